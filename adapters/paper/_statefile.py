"""The venue's state on disk: a small live file rewritten at each change, and a history log.

Rewriting every order and execution the venue ever saw at each change (the
first form, version 1) costs in proportion to the venue's age: after 10,000
orders, 29 ms of encoding in the event loop and 8 MB written and fsynced per
change; after 100,000, 270 ms and 78 MB. So the state is kept in two files:

* the **live file** (``path``, JSON, replaced atomically: a temporary file,
  fsync, ``os.replace``) holds the accounts' money and positions, their open
  orders with the submissions counted for them, the id counters, and
  ``history``: which history file goes with it and how many of its bytes;
* the **history file** (``path.history.<generation>``, JSON lines) holds the
  finished orders and the executions, appended as they happen and fsynced
  before the live file that counts them replaces the last one. Bytes past
  the counted size were never acknowledged (the process died between the two
  writes) and are cut off when the venue starts.

A write costs what changed since the last one. A finished order is written
again when it changes (a duplicate submission is counted against it); its
last line wins. Once the file holds twice the history the venue keeps in
memory, the next write starts a new generation holding only what is kept,
and removes the old file once the live file names the new one. A version 1
file is read as it is and written in this form at the next change.

Files are validated with msgspec when read: one that does not decode is
refused with its path and the failing field (and line), and never overwritten.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final, NamedTuple, TypeAlias

import msgspec

from actors.messages import Fill

from ._state import STATE_VERSION, AccountState, HistoryRef, OrderRecord, VenueState
from .errors import PaperStateError

__all__ = ["Finished", "StateFile", "Write", "read_state"]

_READABLE: Final = (1, STATE_VERSION)


class _Finished(msgspec.Struct, frozen=True, tag="order", forbid_unknown_fields=True):
    account: str
    record: OrderRecord
    submissions: int


class _Executed(msgspec.Struct, frozen=True, tag="fill", forbid_unknown_fields=True):
    account: str
    fill: Fill


_Entry: TypeAlias = _Finished | _Executed
Finished = tuple[str, OrderRecord | Fill]
"""What a change leaves to the history: ``(account, finished order or execution)``."""


class Write(NamedTuple):
    """One write, encoded in the event loop (where the state does not change under it)."""

    live: bytes
    history: bytes  # lines to append, or the whole of a new generation
    generation: int
    new_generation: bool


class StateFile:
    """The two files of one venue; ``keep_*`` are the history it keeps in memory."""

    def __init__(self, path: Path, *, keep_orders: int, keep_fills: int) -> None:
        self.path = path
        self._encoder = msgspec.json.Encoder()
        self._entries = msgspec.json.Decoder(_Entry)
        self._generation = 0  # the history file in use (0: none yet)
        self._size = 0  # its bytes the live file counts
        self._lines = 0
        self._compact_at = 2 * (keep_orders + keep_fills)

    def history_path(self, generation: int) -> Path:
        return self.path.with_name(f"{self.path.name}.history.{generation}")

    # -- reading -------------------------------------------------------------------

    def load(self, *, repair: bool = True) -> VenueState:
        """The stored state with its history, a fresh one if there is no file yet.

        ``repair`` cuts what the history file holds past the counted size and
        removes generations the live file does not name (the venue, as it starts).
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return VenueState()
        except OSError as exc:
            raise PaperStateError(self.path, f"cannot be read: {exc.strerror or exc}") from None
        try:
            state = msgspec.json.decode(data, type=VenueState)
        except msgspec.DecodeError as exc:
            raise PaperStateError(self.path, str(exc)) from None
        if state.version not in _READABLE:
            raise PaperStateError(
                self.path, f"version {state.version} is not one of {_READABLE} - at `$.version`"
            )
        if state.history is not None:
            self._read_history(state, state.history, repair)
        for account in state.accounts.values():
            account.orders = dict(
                sorted(account.orders.items(), key=lambda item: _number(item[1].venue_order_id))
            )
            account.fills.sort(key=lambda fill: _number(fill.execution_id))
        state.version, state.history = STATE_VERSION, None
        return state

    def _read_history(self, state: VenueState, ref: HistoryRef, repair: bool) -> None:
        path = self.history_path(ref.generation)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PaperStateError(path, f"cannot be read: {exc.strerror or exc}") from None
        if len(data) < ref.size:
            raise PaperStateError(
                path, f"holds {len(data)} bytes; the state file counts {ref.size}"
            )
        lines = data[: ref.size].splitlines()
        for number, line in enumerate(lines, 1):
            try:
                entry = self._entries.decode(line)
            except msgspec.DecodeError as exc:
                raise PaperStateError(path, f"line {number}: {exc}") from None
            account = state.accounts.get(entry.account)
            if account is None:
                raise PaperStateError(
                    path, f"line {number}: account {entry.account!r} is not in the state file"
                )
            if isinstance(entry, _Finished):
                cid = entry.record.order.client_order_id
                account.orders[cid] = entry.record
                account.submissions[cid] = entry.submissions
            else:
                account.fills.append(entry.fill)
        self._generation, self._size, self._lines = ref.generation, ref.size, len(lines)
        if not repair:
            return
        if len(data) > ref.size:  # what was never acknowledged, cut once the rest is read
            try:
                os.truncate(path, ref.size)
            except OSError as exc:
                raise PaperStateError(path, f"cannot be cut: {exc.strerror or exc}") from None
        for stray in self.path.parent.glob(f"{self.path.name}.history.*"):
            if stray != path:  # a generation begun when the process died
                stray.unlink(missing_ok=True)

    # -- writing -------------------------------------------------------------------

    def prepare(
        self,
        state: VenueState,
        open_orders: Mapping[str, Mapping[str, OrderRecord]],
        finished: Iterable[Finished],
    ) -> Write:
        """Encode a write of ``state`` whose changes since the last one left ``finished``.

        ``open_orders`` are each account's open orders (the venue indexes
        them; the accounts' ``orders`` also hold the finished ones kept).
        """
        new_generation = self._generation == 0 or self._lines >= self._compact_at
        if new_generation:
            finished = _everything(state, open_orders)
            history = self._lines_of(state, finished)
            generation, size, lines = self._generation + 1, len(history), history.count(b"\n")
        else:
            history = self._lines_of(state, finished)
            generation, size = self._generation, self._size + len(history)
            lines = self._lines + history.count(b"\n")
        live = VenueState(
            next_execution=state.next_execution,
            next_order=state.next_order,
            accounts={
                name: _live_account(account, open_orders.get(name, {}))
                for name, account in state.accounts.items()
            },
            history=HistoryRef(generation=generation, size=size),
        )
        self._generation, self._size, self._lines = generation, size, lines
        return Write(self._encoder.encode(live), history, generation, new_generation)

    def _lines_of(self, state: VenueState, finished: Iterable[Finished]) -> bytes:
        encode = self._encoder.encode
        out: list[bytes] = []
        for account, item in finished:
            if isinstance(item, Fill):
                out.append(encode(_Executed(account=account, fill=item)))
            else:
                cid = item.order.client_order_id
                count = state.accounts[account].submissions.get(cid, 1)
                out.append(encode(_Finished(account=account, record=item, submissions=count)))
            out.append(b"\n")
        return b"".join(out)

    def write(self, job: Write) -> None:
        """Make ``job`` durable (safe to run in a worker thread): history first, then live."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        history = self.history_path(job.generation)
        if job.new_generation or job.history:
            with history.open("wb" if job.new_generation else "ab") as handle:
                handle.write(job.history)
                handle.flush()
                os.fsync(handle.fileno())
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("wb") as handle:
            handle.write(job.live)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        if job.new_generation:
            self.history_path(job.generation - 1).unlink(missing_ok=True)

    def save(self, state: VenueState, open_orders: Mapping[str, Mapping[str, OrderRecord]]) -> None:
        """Write everything now, as a new generation (before the event loop runs)."""
        self.rewrite_next()
        self.write(self.prepare(state, open_orders, ()))

    def rewrite_next(self) -> None:
        """Make the next write a new generation: after a failed one, what the file
        holds past the size the live file counts is not known."""
        self._lines = self._compact_at


def read_state(path: Path) -> VenueState:
    """A venue's stored state with all the history its files hold, changing nothing.

    For checks and tools reading the files of a venue that is not running.
    """
    return StateFile(path, keep_orders=1, keep_fills=1).load(repair=False)


def _live_account(account: AccountState, open_orders: Mapping[str, OrderRecord]) -> AccountState:
    submissions = account.submissions
    return AccountState(
        initial_cash=account.initial_cash,
        cash=account.cash,
        realized=account.realized,
        commissions=account.commissions,
        positions=account.positions,
        orders=dict(open_orders),
        submissions={cid: submissions[cid] for cid in open_orders if cid in submissions},
    )


def _everything(
    state: VenueState, open_orders: Mapping[str, Mapping[str, OrderRecord]]
) -> list[Finished]:
    """Every finished order and execution held in memory, as a new generation starts."""
    finished: list[Finished] = []
    for name, account in state.accounts.items():
        working = open_orders.get(name, {})
        finished += [(name, r) for cid, r in account.orders.items() if cid not in working]
        finished += [(name, fill) for fill in account.fills]
    return finished


def _number(ident: str) -> int:
    """The number in a venue order id (``V-<n>``) or execution id (``P-<n>``)."""
    return int(ident.partition("-")[2])
