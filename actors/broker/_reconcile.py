"""Reconciliation: make the session's memory agree with the venue before trading.

It runs on every start of a session, so after every reconnect (a lost venue
crashes the session; its restart reconciles). The update stream is already
open, so nothing that happens meanwhile is missed: the stream's events are
handled afterwards and de-duplicated by the book. In order:

1. The venue's open orders: known ones are updated; unknown ones are adopted
   and reported.
2. Executions since the last pass's cursor are booked once each (before the
   orders below are asked for, so an order is never reported filled with
   none of its executions booked).
3. Orders whose outcome is still not known (journaled but never answered,
   or ``unknown`` after a timeout) are asked for by client order id; one the
   venue has no record of is rejected, never resent.
4. Orders we think are open but the venue does not list are asked for, to
   learn how they ended.
5. Positions are compared with what the journaled fills add up to;
   differences are published as alerts.

The report is journaled and published; new submissions wait until it ends.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from actors.messages import (
    AccountOpened,
    AlertSeverity,
    OrderStatus,
    PositionDifference,
    ReconciliationReport,
)
from adapters.broker import OrderNotFound

from ._history import sequence_of

if TYPE_CHECKING:
    from ._book import TrackedOrder
    from ._session import _Session

__all__ = ["reconcile"]


async def reconcile(session: _Session) -> ReconciliationReport:
    client = session.client
    book = session.book
    resolved: list[str] = []
    adopted: list[str] = []

    venue_open = await session.request(client.open_orders)
    listed = set()
    for update in venue_open:
        listed.add(update.client_order_id)
        if update.client_order_id in book:
            await session.on_update(update)
        else:
            await session.adopt(update, "found working at the venue during reconciliation")
            adopted.append(update.client_order_id)

    missing: list[str] = []
    fills = await session.request(lambda: client.fills(after=session.memory.fills_cursor))
    for fill in fills:
        if not book.has_execution(fill.execution_id):
            missing.append(fill.execution_id)
            await session.on_fill(fill)
    cursor = fills[-1].execution_id if fills else session.memory.fills_cursor
    # Ids the venue has seen are never issued again, even when the journal is
    # older than the venue (restored from a backup taken before later trading).
    seen = [u.client_order_id for u in venue_open] + [f.client_order_id for f in fills]
    for cid in seen:
        sequence = sequence_of(session.account, cid)
        if sequence is not None and sequence >= session.memory.next_sequence:
            session.memory.next_sequence = sequence + 1

    for tracked in book.unresolved():
        # Never answered: possibly still on its way (a request in flight when
        # the process died). Unknown, resolved by query on the normal grace
        # path, never resent.
        await _ask_venue(session, tracked, OrderStatus.UNKNOWN, "not at the venue after a restart")
        resolved.append(tracked.order.client_order_id)

    for tracked in book.open_orders():
        cid = tracked.order.client_order_id
        if cid in listed or cid in resolved:
            continue
        await _ask_venue(
            session, tracked, OrderStatus.REJECTED, "the venue has no record of this order"
        )
        resolved.append(cid)

    positions = await session.request(client.positions)
    account = await session.request(client.get_account)
    session.venue_positions = {p.symbol: p.quantity for p in positions if p.quantity}
    session.venue_cash = account.cash
    if not session.memory.opened:
        await _open_account(session, account.cash, bool(positions or fills))
    ours = session.memory.positions
    theirs = session.venue_positions
    zero = Decimal(0)
    differences = tuple(
        PositionDifference(symbol=s, journal=ours.get(s, zero), venue=theirs.get(s, zero))
        for s in sorted(set(ours) | set(theirs))
        if ours.get(s, zero) != theirs.get(s, zero)
    )
    for difference in differences:
        await session.alert(
            AlertSeverity.CRITICAL,
            f"position mismatch in {difference.symbol}: journal {difference.journal}, "
            f"venue {difference.venue}",
            symbol=difference.symbol,
            journal=str(difference.journal),
            venue=str(difference.venue),
        )
    for execution_id in missing:
        await session.alert(
            AlertSeverity.WARNING,
            f"execution {execution_id} missed while disconnected; booked once",
            execution_id=execution_id,
        )

    report = ReconciliationReport(
        account=session.account,
        ts=session.ctx.clock.time(),
        ok=not (adopted or differences or missing),
        resolved=tuple(resolved),
        adopted=tuple(adopted),
        missing_fills=tuple(missing),
        differences=differences,
        venue_cash=account.cash,
        fills_cursor=cursor,
    )
    await session.record([report])
    session.memory.fills_cursor = cursor
    session.memory.last_report = report
    await session.publish(report)
    session.ctx.log.info(
        "reconciled",
        ok=report.ok,
        resolved=len(resolved),
        adopted=len(adopted),
        missing_fills=len(missing),
        differences=len(differences),
    )
    return report


async def _open_account(session: _Session, cash: Decimal, traded: bool) -> None:
    """Journal the account's opening cash the first time the session meets it.

    The portfolio's books start from this record. A venue account that has
    traded before our journal began cannot be opened exactly from its cash
    alone; that is reported, and the positions differences show the rest.
    """
    opened = AccountOpened(account=session.account, cash=cash, ts=session.ctx.clock.time())
    await session.record([opened])
    session.memory.opened = True
    await session.publish(opened)
    if traded:
        await session.alert(
            AlertSeverity.CRITICAL,
            "the venue account has history this journal does not: opened at its current cash",
            cash=str(cash),
        )


async def _ask_venue(
    session: _Session, tracked: TrackedOrder, missing: OrderStatus, reason: str
) -> None:
    """Learn an order's state from the venue; one it does not know gets ``missing``."""
    cid = tracked.order.client_order_id
    try:
        update = await session.request(partial(session.client.get_order, cid))
    except OrderNotFound:
        await session.set_status(tracked, missing, reason)
        if missing is OrderStatus.UNKNOWN:
            session.unknown_since[cid] = session.ctx.clock.time()
    else:
        # The executions the venue still has are booked (step 2): what it reports is
        # all that can be known, even if fills it once sent are gone from its history.
        await session.on_update(update, as_reported=True)
