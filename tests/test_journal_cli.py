"""``tradeloop journal`` on a journal written by a real daemon run, then damaged on disk.

The journal comes from the whole daemon (world and tree) run for half an hour
of virtual time, so it holds what the daemon really writes: accounts opened,
orders, updates, fills, reconciliation reports and snapshots. The damage is
done as an operator with ``sqlite3`` would do it: the append-only triggers
dropped, one payload byte flipped.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
import trio
import trio.testing

from actors.gateway import GatewayConfig, HttpConfig, HubConfig, Tokens
from runtime import Clock
from scenarios._corruption import directory_bytes, fill_seqs, flip_payload_byte
from tradeloop._config import Config, JournalConfig
from tradeloop._daemon import open_daemon
from tradeloop._journal_cli import TRADENOTE_HEADER
from tradeloop.cli import main

# A Monday, 10:13 New York time: the session is open and the strategies trade.
ORIGIN = 1_790_000_000.0
FREE_PORTS = "[gateway.hub]\nport = 0\n[gateway.http]\nport = 0\n"


def _daemon_config() -> Config:
    return msgspec.structs.replace(
        Config(),
        journal=JournalConfig(io="inline"),
        gateway=GatewayConfig(hub=HubConfig(port=0), http=HttpConfig(port=0)),
    )


def _write_journal(data_dir: Path, seconds: float) -> None:
    async def run() -> None:
        tokens = Tokens(operator="operator-token", read=None, webhook_secret="secret")
        async with open_daemon(
            _daemon_config(), data_dir, clock=Clock(origin=ORIGIN), tokens=tokens
        ):
            await trio.sleep(seconds)

    trio.run(run, clock=trio.testing.MockClock(autojump_threshold=0))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir after 30 virtual minutes of the default daemon (written once per module)."""
    data_dir = tmp_path_factory.mktemp("recorded")
    _write_journal(data_dir, 1800.0)
    return data_dir


@pytest.fixture
def data_dir(recorded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "var"
    shutil.copytree(recorded, copy)
    return copy


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_verify_passes_on_a_journal_the_daemon_wrote(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "journal", "verify", "--data-dir", str(data_dir))
    assert (code, err) == (0, "")
    assert "OK" in out
    assert fill_seqs(data_dir / "journal.sqlite"), "the run traded: there are fills to check"
    code, out, _ = _cli(capsys, "journal", "verify", "--quick", "--data-dir", str(data_dir))
    assert code == 0
    assert "OK" in out


def test_a_flipped_payload_byte_is_named_and_the_daemon_refuses_to_start(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = data_dir / "journal.sqlite"
    seq = fill_seqs(journal)[0]
    flip_payload_byte(journal, seq)
    before = directory_bytes(data_dir)

    code, out, err = _cli(capsys, "journal", "verify", "--data-dir", str(data_dir))
    assert code == 1
    assert out == ""
    assert f"corrupt at seq {seq}: checksum mismatch" in err
    assert "tradeloop journal restore BACKUP --move-aside" in err
    assert directory_bytes(data_dir) == before, "verify changed nothing"

    ports = tmp_path / "ports.toml"
    ports.write_text(FREE_PORTS)
    journal_bytes = journal.read_bytes()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradeloop.cli",
            "run",
            "--config",
            str(ports),
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    human = [line for line in run.stderr.splitlines() if not line.startswith("{")]
    assert human[0] == (
        f"tradeloop: refusing to run: journal '{journal}' is corrupt at seq {seq}: "
        "checksum mismatch: the record was changed or moved"
    )
    assert "tradeloop journal restore BACKUP --move-aside" in human[1]
    assert journal.read_bytes() == journal_bytes, "the daemon never rewrote the damaged journal"


def test_backup_then_restore_move_aside_recovers(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = data_dir / "journal.sqlite"
    backup = tmp_path / "backup.sqlite"
    code, out, err = _cli(capsys, "journal", "backup", str(backup), "--data-dir", str(data_dir))
    assert (code, err) == (0, "")
    assert "records verified" in out
    flip_payload_byte(journal, fill_seqs(journal)[-1])

    code, _, err = _cli(capsys, "journal", "restore", str(backup), "--data-dir", str(data_dir))
    assert code == 1, "a journal is never replaced unless told to move it aside"
    assert "journal error" in err
    code, out, err = _cli(
        capsys, "journal", "restore", str(backup), "--move-aside", "--data-dir", str(data_dir)
    )
    assert (code, err) == (0, "")
    assert "moved to" in out
    code, out, _ = _cli(capsys, "journal", "verify", "--data-dir", str(data_dir))
    assert code == 0
    assert "OK" in out
    aside = [p for p in data_dir.iterdir() if p.name.startswith("journal.sqlite.")]
    assert aside, "the damaged journal is kept beside the restored one"


def test_export_jsonl_and_tradenote_parse(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "journal", "export", "--data-dir", str(data_dir))
    assert (code, err) == (0, "")
    *lines, footer = out.splitlines()
    records = [json.loads(line) for line in lines]
    assert footer == f"# {len(records)} rows"
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert {r["type"] for r in records} >= {"account_opened", "order", "order_update", "fill"}
    fills = [r["payload"] for r in records if r["type"] == "fill"]

    code, out, err = _cli(
        capsys, "journal", "export", "--format", "tradenote", "--data-dir", str(data_dir)
    )
    assert (code, err) == (0, "")
    *body, footer = out.splitlines()
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    assert rows[0] == TRADENOTE_HEADER
    assert footer == f"# {len(rows) - 1} rows"
    by_execution: dict[str, Decimal] = {}
    for row in rows[1:]:
        assert row[5] in {"B", "S", "SS", "BC"}
        by_execution[row[-1]] = by_execution.get(row[-1], Decimal(0)) + Decimal(row[7])
    # every fill appears, split rows adding up to its quantity
    assert by_execution == {f["execution_id"]: Decimal(f["quantity"]) for f in fills}
