"""``tradeloop`` as a real process: start, JSON logs, SIGTERM, config errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from runtime.journal import verify_journal
from tradeloop._journaling import JOURNAL_TYPES

TRADELOOP = [sys.executable, "-m", "tradeloop.cli"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRADELOOP, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


# Free ports (the OS picks), so a test never collides with a daemon already running here.
FREE_PORTS = "[gateway.hub]\nport = 0\n[gateway.http]\nport = 0\n"


def _free_ports_config(tmp_path: Path) -> str:
    path = tmp_path / "ports.toml"
    path.write_text(FREE_PORTS)
    return str(path)


def test_run_logs_json_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = _free_ports_config(tmp_path)
    with subprocess.Popen(
        [*TRADELOOP, "run", "--config", config, "--data-dir", str(tmp_path / "var"), "--seed", "3"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        _run_until_sigterm(process)
    # the graceful stop left a journal that verifies, and the venue's state beside it
    report = verify_journal(tmp_path / "var" / "journal.sqlite", JOURNAL_TYPES)
    assert report.last_seq == report.records
    assert (tmp_path / "var" / "paper-venue.json").is_file()


def _run_until_sigterm(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    lines: list[dict[str, object]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        assert line, "the daemon exited before it was ready"
        lines.append(json.loads(line))
        if lines[-1]["event"] == "daemon ready":
            break
    assert any(entry.get("actor") for entry in lines), "actor name bound in log lines"
    assert all({"event", "level", "timestamp"} <= entry.keys() for entry in lines)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0
    assert time.monotonic() - sent < 5
    rest = [json.loads(line) for line in process.stderr.read().splitlines()]
    assert [e["event"] for e in rest if e["event"].startswith("daemon")] == ["daemon stopped"]


def test_a_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[runtime]\nseed = "seven"\n')
    result = _run("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "runtime.seed" in result.stderr
    assert "expected `int`" in result.stderr
    config.write_text("[supervison]\nintensity = 3\n")
    result = _run("config", "show", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "supervison: unknown key (is it a typo?)" in result.stderr


def test_config_show_prints_the_effective_config(tmp_path: Path) -> None:
    result = _run("config", "show", "--seed", "42", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = tomllib.loads(result.stdout)
    assert shown["runtime"]["seed"] == 42
    config = tmp_path / "shown.toml"
    config.write_text(result.stdout)
    again = _run("config", "show", "--config", str(config), cwd=tmp_path)
    assert again.stdout == result.stdout


def test_a_second_signal_forces_the_exit(tmp_path: Path) -> None:
    with subprocess.Popen(
        [
            *TRADELOOP,
            "run",
            "--config",
            _free_ports_config(tmp_path),
            "--data-dir",
            str(tmp_path / "var"),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        while json.loads(process.stderr.readline())["event"] != "daemon ready":
            pass
        # freeze the process so both signals are pending when it resumes: the second
        # one then always arrives while the graceful shutdown is under way
        process.send_signal(signal.SIGSTOP)
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGTERM)
        process.send_signal(signal.SIGCONT)
        assert process.wait(timeout=5) == 130
        assert "second signal; forcing exit" in process.stderr.read()


def test_config_show_never_prints_secrets(tmp_path: Path) -> None:
    config = tmp_path / "secret.toml"
    config.write_text('[gateway]\nwebhook_secret = "hunter2"\noperator_token = "opsecret"\n')
    result = _run("config", "show", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout
    assert "opsecret" not in result.stdout
    assert "gateway.operator_token, gateway.webhook_secret" in result.stdout
    tomllib.loads(result.stdout)  # still a valid config file
