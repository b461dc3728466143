"""``tradeloop``: the command line.

``run`` starts the daemon; ``replay`` runs its tree over recorded data;
``config show`` prints the effective config. A bad
config file (missing, not TOML, wrong type, unknown key) exits 2 with the
file, the key path and the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import msgspec
import structlog
import tomli_w
import trio

from adapters.market import ReplayDataError, default_universe, read_replay_csv
from runtime import configure_logging, load_config, to_toml_data
from runtime.errors import ConfigError, SupervisorGaveUp
from runtime.journal import JournalCorrupt, JournalError
from scenarios import add_scenario_commands

from . import _journal_cli as journal_cli
from . import _replay_cli as replay_cli
from ._config import Config
from ._daemon import serve_daemon
from ._monitor import run_monitor

__all__ = ["main"]

log = structlog.get_logger("tradeloop")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_FORCED = 130


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    command = getattr(args, "command_fn", None)
    if command is None:
        parser.print_help()
        return EXIT_USAGE
    code: int = command(args)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradeloop", description="A trading daemon built as a tree of supervised actors."
    )
    commands = parser.add_subparsers(title="commands")
    add_scenario_commands(commands)

    run = commands.add_parser("run", help="run the daemon until SIGINT/SIGTERM")
    _add_config_options(run)
    run.set_defaults(command_fn=_cmd_run)

    replay = commands.add_parser(
        "replay", help="run the daemon's tree over recorded quotes or bars, in virtual time"
    )
    _add_config_options(replay)
    replay.add_argument(
        "--data", type=Path, action="append", required=True, help="CSV of quotes or bars (repeat)"
    )
    replay.add_argument(
        "--out", type=Path, default=Path("replay-out"), help="trades.csv, equity.csv"
    )
    replay.add_argument("--bar-timeframe", default="1m", help="timeframe of bar files (1m)")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")
    replay.set_defaults(command_fn=_cmd_replay)

    journal = commands.add_parser("journal", help="verify, export, back up or restore the journal")
    journal_commands = journal.add_subparsers(title="journal commands")
    verify = journal_commands.add_parser("verify", help="check every record's checksum and payload")
    _add_config_options(verify)
    verify.add_argument("--quick", action="store_true", help="check only the tail of the log")
    verify.set_defaults(command_fn=_cmd_journal_verify)
    export = journal_commands.add_parser("export", help="print the journal as JSON lines or CSV")
    _add_config_options(export)
    export.add_argument("--format", choices=("jsonl", "tradenote"), default="jsonl")
    export.set_defaults(command_fn=_cmd_journal_export)
    backup = journal_commands.add_parser("backup", help="copy the journal, verified, to DEST")
    _add_config_options(backup)
    backup.add_argument("dest", type=Path)
    backup.set_defaults(command_fn=_cmd_journal_backup)
    restore = journal_commands.add_parser(
        "restore", help="replace the journal with a verified backup (daemon stopped)"
    )
    _add_config_options(restore)
    restore.add_argument("backup", type=Path)
    restore.add_argument(
        "--move-aside", action="store_true", help="rename the current journal instead of refusing"
    )
    restore.set_defaults(command_fn=_cmd_journal_restore)

    monitor = commands.add_parser("monitor", help="a live terminal dashboard of a running daemon")
    _add_config_options(monitor)
    monitor.add_argument("--url", help="hub URL (default: from the config)")
    monitor.add_argument("--token", help="read or operator token (default: TRADELOOP_READ_TOKEN)")
    monitor.add_argument("--once", action="store_true", help="draw one snapshot and exit")
    monitor.set_defaults(command_fn=_cmd_monitor)

    config = commands.add_parser("config", help="inspect the configuration")
    config_commands = config.add_subparsers(title="config commands")
    show = config_commands.add_parser("show", help="print the effective config as TOML")
    _add_config_options(show)
    show.set_defaults(command_fn=_cmd_config_show)
    return parser


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file (default: embedded)")
    parser.add_argument("--data-dir", type=Path, help="data directory (default: ./var)")
    parser.add_argument("--seed", type=int, help="seed of every random generator")


def _effective_config(args: argparse.Namespace) -> Config:
    config = Config() if args.config is None else load_config(args.config, Config)
    runtime = config.runtime
    if args.data_dir is not None:
        runtime = msgspec.structs.replace(runtime, data_dir=str(args.data_dir))
    if args.seed is not None:
        runtime = msgspec.structs.replace(runtime, seed=args.seed)
    return msgspec.structs.replace(config, runtime=runtime)


def _cmd_config_show(args: argparse.Namespace) -> int:
    try:
        config = _effective_config(args)
    except ConfigError as exc:
        print(f"tradeloop: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    data = to_toml_data(config)
    hidden = [key for key in _SECRETS if data.get("gateway", {}).pop(key, None) is not None]
    if hidden:
        print(f"# not shown (secrets): {', '.join(f'gateway.{key}' for key in hidden)}")
    sys.stdout.write(tomli_w.dumps(data))
    return EXIT_OK


# Never printed: a config dump ends up in tickets and chat logs.
_SECRETS = ("operator_token", "read_token", "webhook_secret")


def _journal_path(args: argparse.Namespace) -> tuple[Config, Path]:
    config = _effective_config(args)
    return config, Path(config.runtime.data_dir) / config.journal.file


def _journal_command(args: argparse.Namespace, action: Callable[[Config, Path], str]) -> int:
    try:
        config, path = _journal_path(args)
        print(action(config, path))
    except ConfigError as exc:
        print(f"tradeloop: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JournalCorrupt as exc:
        print(
            f"tradeloop: journal corrupt: {exc}\n"
            "Nothing was changed. Keep the file for inspection and restore a verified copy "
            "with `tradeloop journal restore BACKUP --move-aside`.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except JournalError as exc:
        print(f"tradeloop: journal error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _cmd_journal_verify(args: argparse.Namespace) -> int:
    return _journal_command(args, lambda _, path: journal_cli.verify(path, full=not args.quick))


def _cmd_journal_export(args: argparse.Namespace) -> int:
    def export(config: Config, path: Path) -> str:
        if args.format == "jsonl":
            count = journal_cli.export_jsonl(path, sys.stdout)
        else:
            instruments = {p.instrument.symbol: p.instrument for p in default_universe()}
            count = journal_cli.export_tradenote(path, sys.stdout, instruments)
        return f"# {count} rows"  # after the data: easy to strip, and honest about the count

    return _journal_command(args, export)


def _cmd_journal_backup(args: argparse.Namespace) -> int:
    return _journal_command(args, lambda _, path: journal_cli.backup(path, args.dest))


def _cmd_journal_restore(args: argparse.Namespace) -> int:
    return _journal_command(
        args, lambda _, path: journal_cli.restore(args.backup, path, move_aside=args.move_aside)
    )


def _cmd_replay(args: argparse.Namespace) -> int:
    try:
        config = _effective_config(args)
        data = read_replay_csv(*args.data, bar_timeframe=args.bar_timeframe)
    except (ConfigError, ReplayDataError) as exc:
        print(f"tradeloop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging("warning")
    return replay_cli.run(config, data, args.out, quiet=args.quiet)


def _cmd_monitor(args: argparse.Namespace) -> int:
    try:
        config = _effective_config(args)
    except ConfigError as exc:
        print(f"tradeloop: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    hub = config.gateway.hub
    url = args.url or f"ws://{hub.host}:{hub.port}/ws"
    token = (
        args.token
        or os.environ.get("TRADELOOP_READ_TOKEN")
        or os.environ.get("TRADELOOP_OPERATOR_TOKEN")
        or config.gateway.read_token
    )
    with contextlib.suppress(KeyboardInterrupt):
        trio.run(partial(run_monitor, url, token, once=args.once))
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        config = _effective_config(args)
    except ConfigError as exc:
        print(f"tradeloop: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(config.runtime.log_level)
    data_dir = Path(config.runtime.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    code = EXIT_OK
    try:
        trio.run(_run_daemon, config, data_dir)
    except* SupervisorGaveUp as group:
        log.error("daemon stopped: the root supervisor gave up", error=str(group.exceptions[0]))
        _explain_give_up(config, data_dir)
        code = EXIT_FAILED
    return code


def _explain_give_up(config: Config, data_dir: Path) -> None:
    """Tell the operator, in one human paragraph, why the daemon stopped and what to do.

    The supervisor reports its last failure as text; the journal is checked
    again here (the daemon has stopped) so a corrupt record is named from the
    typed error, not parsed out of a log line. The check only reads the file.
    """
    path = data_dir / config.journal.file
    try:
        if path.exists():
            journal_cli.verify(path, full=config.journal.verify == "full")
    except JournalCorrupt as exc:
        print(
            f"tradeloop: refusing to run: {exc}\n"
            "The daemon never trades on a journal it cannot verify, and nothing was changed. "
            "Keep the file for inspection and restore a verified copy with "
            "`tradeloop journal restore BACKUP --move-aside`, then start again.",
            file=sys.stderr,
        )
        return
    except JournalError as exc:
        print(f"tradeloop: refusing to run: journal error: {exc}", file=sys.stderr)
        return
    print(
        "tradeloop: the daemon stopped: an actor kept failing and the root supervisor gave up "
        "(see the log's 'supervisor gave up' line for the last failure).",
        file=sys.stderr,
    )


async def _run_daemon(config: Config, data_dir: Path) -> None:
    async with trio.open_nursery() as outer:
        app = trio.CancelScope()
        outer.start_soon(_watch_signals, app, config.runtime.shutdown_grace)
        try:
            with app:
                log.info(
                    "daemon starting",
                    data_dir=str(data_dir),
                    seed=config.runtime.seed,
                    pid=os.getpid(),
                )
                await serve_daemon(config, data_dir, task_status=_Announce())
            log.info("daemon stopped")
        finally:
            outer.cancel_scope.cancel(reason="daemon stopped")


class _Announce:
    """Logs readiness once the whole tree has started."""

    def started(self, value: object = None) -> None:
        log.info("daemon ready")


async def _watch_signals(app: trio.CancelScope, grace: float) -> None:
    """First SIGINT/SIGTERM: graceful stop within ``grace``; a second: exit at once."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            name = signal.Signals(signum).name
            log.info("signal received; stopping", signal=name, grace_seconds=grace)
            app.cancel(reason=f"{name} received")
            break
        with trio.move_on_after(grace):
            async for signum in signals:
                log.warning("second signal; forcing exit", signal=signal.Signals(signum).name)
                os._exit(EXIT_FORCED)
        log.error("shutdown exceeded its grace period; forcing exit", grace_seconds=grace)
        os._exit(EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
