"""How the trading actors reach the journal: by asking the ``journal`` actor.

The actors were written against small callables (a portfolio's
``load_history``, the breakers' ``save``/``load``, a session's
:class:`~actors.broker.SessionJournal`); these are their implementations for
the daemon. Each runs inside the calling actor's task and finds the journal
through :func:`runtime.current_context`, so nothing outside the tree needs a
handle on the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, final

from actors.breakers import BreakerSnapshot
from actors.messages import (
    AccountOpened,
    Fill,
    LedgerSnapshot,
    Order,
    OrderUpdate,
    ReconciliationReport,
)
from actors.portfolio import Record as PortfolioRecord
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
    "load_breakers",
    "load_portfolio_history",
    "read_records",
    "save_breakers",
]

JOURNAL: Final = "journal"
PAGE: Final = 50_000
TIMEOUT: Final = 60.0


class BreakersSaved(Message, frozen=True, tag="breakers_saved"):
    """The breakers' latches, kept as a journal snapshot so a trip survives restarts."""

    snapshot: BreakerSnapshot


JOURNAL_TYPES: Final[tuple[type[Message], ...]] = (
    Order,
    OrderUpdate,
    Fill,
    AccountOpened,
    ReconciliationReport,
    LedgerSnapshot,
    BreakersSaved,
)

_SESSION_TAGS: Final = ("order", "order_update", "fill", "reconciliation_report", "account_opened")


async def read_records(tags: Sequence[str]) -> list[Message]:
    """Every journaled record with one of ``tags``, in journal order (paged)."""
    ref = current_context().ref(JOURNAL)
    records: list[Message] = []
    after = 0
    while True:
        page: Records = await ref.ask(
            ReadAfter(after=after, types=tuple(tags), limit=PAGE), timeout=TIMEOUT
        )
        records.extend(record.payload for record in page.records)
        if len(page.records) < PAGE:
            return records
        after = page.records[-1].seq


async def load_portfolio_history() -> Sequence[PortfolioRecord]:
    records = await read_records(("account_opened", "fill"))
    return [r for r in records if isinstance(r, AccountOpened | Fill)]


async def save_breakers(snapshot: BreakerSnapshot) -> None:
    await (
        current_context()
        .ref(JOURNAL)
        .ask(
            SaveSnapshot(name="breakers", payload=BreakersSaved(snapshot=snapshot), seq=0),
            timeout=TIMEOUT,
        )
    )


async def load_breakers() -> BreakerSnapshot | None:
    found: SnapshotFound = (
        await current_context().ref(JOURNAL).ask(LatestSnapshot(name="breakers"), timeout=TIMEOUT)
    )
    if found.snapshot is None:
        return None
    payload = found.snapshot.payload
    if not isinstance(payload, BreakersSaved):
        raise TypeError(f"journal snapshot 'breakers' holds a {type(payload).__name__}")
    return payload.snapshot


@final
class JournalPort:
    """A broker session's journal (see :class:`actors.broker.SessionJournal`)."""

    async def record(self, records: Sequence[Message]) -> None:
        await current_context().ref(JOURNAL).ask(Append(records=tuple(records)), timeout=TIMEOUT)

    async def history(self) -> Sequence[object]:
        return await read_records(_SESSION_TAGS)
