"""How the trading actors reach the journal: by asking the ``journal`` actor.

The actors were written against small callables (a portfolio's
``load_history``/``save_snapshot``, the breakers' ``save``/``load``, a
session's :class:`~actors.broker.SessionJournal`); these are their
implementations for the daemon. The portfolio's and the sessions' state is
read as the latest named snapshot ("portfolio", "session:<account>") plus the
records after its seq. Each runs inside the calling actor's task and finds the journal
through :func:`runtime.current_context`, so nothing outside the tree needs a
handle on the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar, final

from actors.breakers import BreakerSnapshot
from actors.broker import SessionHistory, SessionState
from actors.messages import (
    AccountOpened,
    Fill,
    LedgerSnapshot,
    Order,
    OrderUpdate,
    ReconciliationReport,
)
from actors.portfolio import History
from runtime import Message, current_context
from runtime.journal import (
    Append,
    LatestSnapshot,
    ReadAfter,
    Records,
    SaveSnapshot,
    SnapshotFound,
)

__all__ = [
    "JOURNAL",
    "JOURNAL_TYPES",
    "BreakersSaved",
    "JournalPort",
    "PortfolioSaved",
    "SessionSaved",
    "load_breakers",
    "load_portfolio_history",
    "read_records",
    "read_tail",
    "save_breakers",
    "save_portfolio",
    "session_snapshot_name",
]

JOURNAL: Final = "journal"
PAGE: Final = 50_000
TIMEOUT: Final = 60.0


class BreakersSaved(Message, frozen=True, tag="breakers_saved"):
    """The breakers' latches, kept as a journal snapshot so a trip survives restarts."""

    snapshot: BreakerSnapshot


class PortfolioSaved(Message, frozen=True, tag="portfolio_saved"):
    """Every account's books, summarising the journal up to the snapshot's seq."""

    ledgers: tuple[LedgerSnapshot, ...]


class SessionSaved(Message, frozen=True, tag="session_saved"):
    """One broker session's memory, summarising the journal up to the snapshot's seq."""

    account: str
    state: SessionState


JOURNAL_TYPES: Final[tuple[type[Message], ...]] = (
    Order,
    OrderUpdate,
    Fill,
    AccountOpened,
    ReconciliationReport,
    LedgerSnapshot,
    BreakersSaved,
    PortfolioSaved,
    SessionSaved,
)

PORTFOLIO: Final = "portfolio"
_PORTFOLIO_TAGS: Final = ("account_opened", "fill")

_SESSION_TAGS: Final = ("order", "order_update", "fill", "reconciliation_report", "account_opened")


async def read_tail(after: int, tags: Sequence[str]) -> tuple[list[Message], int]:
    """The records after seq ``after`` with one of ``tags``, in order, and the seq read up to.

    Every record up to that seq was read (the last page's ``last_seq``: the
    log's end when the journal answered it), whichever tag it has.
    """
    ref = current_context().ref(JOURNAL)
    records: list[Message] = []
    while True:
        page: Records = await ref.ask(
            ReadAfter(after=after, types=tuple(tags), limit=PAGE), timeout=TIMEOUT
        )
        records.extend(record.payload for record in page.records)
        if len(page.records) < PAGE:
            return records, page.last_seq
        after = page.records[-1].seq


async def read_records(tags: Sequence[str]) -> list[Message]:
    """Every journaled record with one of ``tags``, in journal order (paged)."""
    records, _ = await read_tail(0, tags)
    return records


P = TypeVar("P", bound=Message)


async def _latest(name: str, kind: type[P]) -> tuple[P | None, int]:
    """The payload and seq of the snapshot ``name`` (None and 0 when there is none)."""
    found: SnapshotFound = (
        await current_context().ref(JOURNAL).ask(LatestSnapshot(name=name), timeout=TIMEOUT)
    )
    if found.snapshot is None:
        return None, 0
    payload = found.snapshot.payload
    if not isinstance(payload, kind):
        raise TypeError(f"journal snapshot {name!r} holds a {type(payload).__name__}")
    return payload, found.snapshot.seq


async def _save(name: str, payload: Message, seq: int) -> None:
    await (
        current_context()
        .ref(JOURNAL)
        .ask(SaveSnapshot(name=name, payload=payload, seq=seq), timeout=TIMEOUT)
    )


async def load_portfolio_history() -> History:
    """The latest "portfolio" snapshot and the opening and fill records after it."""
    saved, after = await _latest(PORTFOLIO, PortfolioSaved)
    records, seq = await read_tail(after, _PORTFOLIO_TAGS)
    return History(
        records=[r for r in records if isinstance(r, AccountOpened | Fill)],
        ledgers=() if saved is None else saved.ledgers,
        seq=seq,
    )


async def save_portfolio(ledgers: tuple[LedgerSnapshot, ...], seq: int) -> None:
    await _save(PORTFOLIO, PortfolioSaved(ledgers=ledgers), seq)


def session_snapshot_name(account: str) -> str:
    return f"session:{account}"


async def save_breakers(snapshot: BreakerSnapshot) -> None:
    await _save("breakers", BreakersSaved(snapshot=snapshot), 0)


async def load_breakers() -> BreakerSnapshot | None:
    saved, _ = await _latest("breakers", BreakersSaved)
    return None if saved is None else saved.snapshot


@final
class JournalPort:
    """A broker session's journal (see :class:`actors.broker.SessionJournal`)."""

    async def record(self, records: Sequence[Message]) -> None:
        await current_context().ref(JOURNAL).ask(Append(records=tuple(records)), timeout=TIMEOUT)

    async def history(self, account: str) -> SessionHistory:
        saved, after = await _latest(session_snapshot_name(account), SessionSaved)
        if saved is not None and saved.account != account:
            raise ValueError(
                f"journal snapshot {session_snapshot_name(account)!r} is {saved.account!r}'s"
            )
        records, seq = await read_tail(after, _SESSION_TAGS)
        return SessionHistory(
            records=records, state=None if saved is None else saved.state, seq=seq
        )

    async def save(self, account: str, state: SessionState, seq: int) -> None:
        await _save(session_snapshot_name(account), SessionSaved(account=account, state=state), seq)
