"""The venue's state on disk: one file of JSON lines, appended at each change.

Rewriting every order and execution the venue ever saw at each change (the
first form, version 1: one JSON object) cost in proportion to the venue's
age: after 3,000 orders a change took ten times a new venue's, and after
10,000, 29 ms of encoding in the event loop and 8 MB written and fsynced. So
a change now appends, in one write and one fsync, the lines it produced:

* ``order``: an order that finished (filled, canceled, rejected, expired), or
  changed after it did (a duplicate submission counted against it): the
  last line of an order wins;
* ``fill``: an execution;
* ``state``: the live part, last: each account's money and positions, its
  open orders with the submissions counted for them, and the id counters.

The state is the last ``state`` line with the history lines before it. Lines
after it belong to a write the process did not finish (nothing was
acknowledged from it), as does a last line without its newline: they are
cut off when the venue starts. Once the file has grown to twice the size it
had when last rewritten (and at least ``compact_min``), the next write
rewrites it whole (a temporary file, fsync, ``os.replace``) with only the
history the venue keeps in memory: a cost in proportion to that history,
once per as many bytes appended. A version 1 file is read as it is and
rewritten in this form at the next change.

Every line is validated with msgspec when read: a file that does not decode
is refused with its path, line and failing field, and never overwritten.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final, NamedTuple, TypeAlias

import msgspec

from actors.messages import Fill

from ._state import STATE_VERSION, AccountState, OrderRecord, VenueState
from .errors import PaperStateError

__all__ = ["COMPACT_MIN", "Finished", "StateFile", "Write", "read_state"]

COMPACT_MIN: Final = 1 << 20  # bytes a file may grow to before it is first rewritten


class _Finished(msgspec.Struct, frozen=True, tag="order", forbid_unknown_fields=True):
    account: str
    record: OrderRecord
    submissions: int


class _Executed(msgspec.Struct, frozen=True, tag="fill", forbid_unknown_fields=True):
    account: str
    fill: Fill


class _Live(msgspec.Struct, frozen=True, tag="state", forbid_unknown_fields=True):
    version: int
    next_execution: int
    next_order: int
    accounts: dict[str, AccountState]


_Line: TypeAlias = _Finished | _Executed | _Live
Finished = tuple[str, OrderRecord | Fill]
"""What a change leaves to the history: ``(account, finished order or execution)``."""


class Write(NamedTuple):
    """One write, encoded in the event loop (where the state does not change under it)."""

    data: bytes  # lines to append, or the whole file when ``rewrite``
    rewrite: bool


class StateFile:
    """The file of one venue."""

    def __init__(self, path: Path, *, compact_min: int = COMPACT_MIN) -> None:
        self.path = path
        self.compact_min = compact_min  # bytes the file may grow to before it is first rewritten
        self._encoder = msgspec.json.Encoder()
        self._lines = msgspec.json.Decoder(_Line)
        self._size = 0  # bytes in the file
        self._rewrite_at = 0  # the size at which the next write rewrites it (0: now)

    # -- reading -------------------------------------------------------------------

    def load(self, *, repair: bool = True) -> VenueState:
        """The stored state with its history, a fresh one if there is no file yet.

        ``repair`` cuts off the lines of an unfinished write (the venue, as it starts).
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return VenueState()
        except OSError as exc:
            raise PaperStateError(self.path, f"cannot be read: {exc.strerror or exc}") from None
        if b"\n" not in data:  # version 1: one JSON object
            state = self._version_1(data)
        else:
            state, counted = self._replay(data)
            if repair and counted < len(data):
                try:
                    os.truncate(self.path, counted)
                except OSError as exc:
                    reason = f"cannot be cut: {exc.strerror or exc}"
                    raise PaperStateError(self.path, reason) from None
            self._size = counted
            self._rewrite_at = max(self.compact_min, 2 * counted)
        for account in state.accounts.values():
            account.orders = dict(
                sorted(account.orders.items(), key=lambda item: _number(item[1].venue_order_id))
            )
            account.fills.sort(key=lambda fill: _number(fill.execution_id))
        return state

    def _version_1(self, data: bytes) -> VenueState:
        try:
            state = msgspec.json.decode(data, type=VenueState)
        except msgspec.DecodeError as exc:
            raise PaperStateError(self.path, str(exc)) from None
        if state.version != 1:
            raise PaperStateError(
                self.path, f"version {state.version} is not 1 (a single object) - at `$.version`"
            )
        state.version = STATE_VERSION
        return state

    def _replay(self, data: bytes) -> tuple[VenueState, int]:
        """The state the file's counted lines hold, and how many of its bytes they are."""
        lines = data.split(b"\n")[:-1]  # what follows the last newline was never finished
        decoded: list[_Line] = []
        for number, line in enumerate(lines, 1):
            try:
                decoded.append(self._lines.decode(line))
            except msgspec.DecodeError as exc:
                raise PaperStateError(self.path, f"line {number}: {exc}") from None
        last = max((n for n, line in enumerate(decoded) if isinstance(line, _Live)), default=None)
        if last is None:
            raise PaperStateError(self.path, "no line holds the venue's state")
        live = decoded[last]
        assert isinstance(live, _Live)
        if live.version != STATE_VERSION:
            raise PaperStateError(
                self.path,
                f"line {last + 1}: version {live.version} is not {STATE_VERSION} - at `$.version`",
            )
        state = VenueState(
            next_execution=live.next_execution, next_order=live.next_order, accounts=live.accounts
        )
        for number, entry in enumerate(decoded[:last], 1):
            if isinstance(entry, _Live):
                continue
            account = state.accounts.get(entry.account)
            if account is None:
                raise PaperStateError(
                    self.path, f"line {number}: account {entry.account!r} has no state"
                )
            if isinstance(entry, _Finished):
                cid = entry.record.order.client_order_id
                account.orders[cid] = entry.record
                account.submissions[cid] = entry.submissions
            else:
                account.fills.append(entry.fill)
        return state, sum(len(line) + 1 for line in lines[: last + 1])

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
        rewrite = self._size >= self._rewrite_at
        if rewrite:
            finished = _everything(state, open_orders)
        out: list[bytes] = []
        encode = self._encoder.encode
        for account, item in finished:
            if isinstance(item, Fill):
                out.append(encode(_Executed(account=account, fill=item)))
            else:
                count = state.accounts[account].submissions.get(item.order.client_order_id, 1)
                out.append(encode(_Finished(account=account, record=item, submissions=count)))
            out.append(b"\n")
        live = _Live(
            version=STATE_VERSION,
            next_execution=state.next_execution,
            next_order=state.next_order,
            accounts={
                name: _live_account(account, open_orders.get(name, {}))
                for name, account in state.accounts.items()
            },
        )
        out += (encode(live), b"\n")
        data = b"".join(out)
        if rewrite:
            self._size = len(data)
            self._rewrite_at = max(self.compact_min, 2 * len(data))
        else:
            self._size += len(data)
        return Write(data, rewrite)

    def write(self, job: Write) -> None:
        """Make ``job`` durable (safe to run in a worker thread)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not job.rewrite:
            with self.path.open("ab") as handle:
                handle.write(job.data)
                handle.flush()
                os.fsync(handle.fileno())
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("wb") as handle:
            handle.write(job.data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def save(self, state: VenueState, open_orders: Mapping[str, Mapping[str, OrderRecord]]) -> None:
        """Write everything now, rewriting the file (before the event loop runs)."""
        self.rewrite_next()
        self.write(self.prepare(state, open_orders, ()))

    def rewrite_next(self) -> None:
        """Make the next write a rewrite: after a failed one, how the file ends is not known."""
        self._rewrite_at = 0


def read_state(path: Path) -> VenueState:
    """A venue's stored state with all the history its file holds, changing nothing.

    For checks and tools reading the file of a venue that is not running.
    """
    return StateFile(path).load(repair=False)


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
    """Every finished order and execution held in memory, for a rewrite."""
    finished: list[Finished] = []
    for name, account in state.accounts.items():
        working = open_orders.get(name, {})
        finished += [(name, r) for cid, r in account.orders.items() if cid not in working]
        finished += [(name, fill) for fill in account.fills]
    return finished


def _number(ident: str) -> int:
    """The number in a venue order id (``V-<n>``) or execution id (``P-<n>``)."""
    return int(ident.partition("-")[2])
