"""The paper venue: an exchange and a broker in one object, driven by market data.

The market simulator's listeners call :meth:`PaperVenue.on_quote` and
:meth:`PaperVenue.on_trade`; they match resting orders, trigger stops and
expire DAY orders. Accounts reach the venue only through
:class:`~adapters.paper.PaperBrokerClient` (the ``BrokerClient`` every
adapter implements), which adds latency and faults on top of the synchronous
request handlers here. Every handler that changes state counts the change,
and :meth:`PaperVenue.persist` writes it (see :mod:`._statefile`) before
anything leaves the venue, so what a client was told survives a restart.
The history kept of finished orders and executions is bounded
(``order_history``, ``fill_history``): the oldest are forgotten first.

Matching, in short: a market order fills in full at once at the far touch
plus slippage; a limit order takes a ``participation`` share of the displayed
size while the quote crosses it (at the quote: its price or better), and a
resting one the same share of each trade at or through its price (at its
price); a stop triggers on a trade at or through its stop and then acts as a
market or limit order. Liquidity is shared: orders matched on one market
event draw from one share of it, oldest order first.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter, deque
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec
import trio

import runtime
from actors.messages import (
    Fill,
    Instrument,
    Order,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Quote,
    Side,
    TimeInForce,
    Trade,
)
from adapters.broker import (
    BrokerRejected,
    OrderNotFound,
    VenueAccount,
    VenueEvent,
    VenuePosition,
)

from ._checks import account_refusal, buying_power, equity, requirement, terms_refusal
from ._config import PaperConfig
from ._faults import Faults
from ._ledger import apply_fill, commission_total
from ._pricing import Market, is_stop, limit_touch, market_price, stop_hit, take, trade_reaches
from ._state import AccountState, OrderRecord, VenueState
from ._statefile import Finished, StateFile
from ._stream import Subscriber
from .errors import PaperStateError

if TYPE_CHECKING:
    from ._client import PaperBrokerClient

__all__ = ["PaperVenue"]

_Key = tuple[str, str]
_NEVER = float("inf")
PERSIST_TIMEOUT = 10.0  # seconds a stopping venue waits for its last write


class PaperVenue:
    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        config: PaperConfig | None = None,
        *,
        rng: random.Random,
        clock: runtime.Clock,
        state_path: Path | None = None,
        io: Literal["thread", "inline"] = "thread",
    ) -> None:
        """``io`` says where the state file is written: ``thread`` off the event
        loop (live), ``inline`` in it (virtual time: a worker thread's real time
        would let a mock clock jump ahead while it writes)."""
        self.instruments = dict(instruments)
        self._io = io
        self.config = config = PaperConfig() if config is None else config
        self.clock = clock
        self._latency_rng = random.Random(rng.getrandbits(64))
        self.faults = Faults(config.faults, rng=random.Random(rng.getrandbits(64)), clock=clock)
        self._file = (
            StateFile(state_path, compact_min=config.state_compact_bytes)
            if state_path is not None
            else None
        )
        self._state = self._file.load() if self._file is not None else VenueState()
        self._unwritten: list[Finished] = []  # for the history file, at the next persist
        self._finished: dict[str, deque[str]] = {}  # per account, finished orders, oldest first
        self._markets = {symbol: Market() for symbol in self.instruments}
        self._working: dict[str, dict[_Key, OrderRecord]] = {s: {} for s in self.instruments}
        self._next_expiry = _NEVER
        self._subscribers: dict[str, list[Subscriber]] = {}
        self._delivered = False  # an event went to a stream since the last release
        self._dirty = False
        self._changes = 0  # changes made to the state (only counted with a state file)
        self._durable = 0  # of which are on disk
        self._persisting = trio.Lock()
        self._index_loaded_state()

    # -- accounts ----------------------------------------------------------------

    def open_account(self, account: str, cash: Decimal) -> None:
        """Create ``account`` with ``cash``; an existing account is left as it is."""
        if account not in self._state.accounts:
            self._state.accounts[account] = AccountState(initial_cash=cash, cash=cash)
            if self._file is not None:  # before the loop runs: written at once
                self._file.save(self._state, self._open_orders())

    def client(self, account: str) -> PaperBrokerClient:
        from ._client import PaperBrokerClient

        self._account(account)
        return PaperBrokerClient(self, account)

    def ledger(self, account: str) -> AccountState:
        """The account's books as the venue keeps them (read them, do not change them)."""
        return self._account(account)

    def submissions(self, account: str) -> Counter[str]:
        """How many submit requests reached the venue, per client order id."""
        return Counter(self._account(account).submissions)

    def draw_latency(self) -> float:
        model = self.config.latency
        jitter = self._latency_rng.expovariate(1 / model.jitter) if model.jitter else 0.0
        return model.base + jitter

    # -- market input --------------------------------------------------------------

    def on_quote(self, quote: Quote) -> None:
        self.expire_due()
        market = self._markets.get(quote.symbol)
        if market is not None:
            market.on_quote(quote, self.config.slippage.volatility_alpha)
            working = self._working[quote.symbol]
            if working:  # most quotes find no resting order: nothing to share out
                self._match_quote(quote, working)
        if self._delivered or self.faults.any_armed:  # otherwise _release_held has nothing to do
            self._release_held()
        if self._dirty:
            self._save()

    def _match_quote(self, quote: Quote, working: dict[_Key, OrderRecord]) -> None:
        """Match the resting orders against ``quote``; they share one share of its size.

        The shares are worked out when the first order crosses: a resting
        stop that does not trigger (the usual case) needs none.
        """
        budget: dict[Side, Decimal] | None = None
        for (account, _), record in list(working.items()):
            order = record.order
            if is_stop(order.order_type) and not record.triggered:
                touch = quote.ask if order.side is Side.BUY else quote.bid
                if not self.config.trigger_stops_on_quotes or not self._stop_hit(record, touch):
                    continue
                record.triggered = True
            if budget is None:
                instrument = self.instruments[quote.symbol]
                budget = {
                    Side.BUY: take(quote.ask_size, self.config.participation, instrument),
                    Side.SELL: take(quote.bid_size, self.config.participation, instrument),
                }
            budget[order.side] -= self._cross(account, record, budget[order.side])

    def on_trade(self, trade: Trade) -> None:
        self.expire_due()
        market = self._markets.get(trade.symbol)
        if market is not None:
            market.last_trade = trade.price
            instrument = self.instruments[trade.symbol]
            budget = take(trade.size, self.config.participation, instrument)
            for (account, _), record in list(self._working[trade.symbol].items()):
                order = record.order
                if is_stop(order.order_type) and not record.triggered:
                    if self._stop_hit(record, trade.price):
                        record.triggered = True
                        self._dirty = True
                        self._cross(account, record, None)
                    continue
                limit = order.limit_price
                if limit is not None and trade_reaches(order.side, limit, trade.price):
                    quantity = min(record.remaining, budget)
                    budget -= self._execute(account, record, quantity, limit)
                elif self._acts_as_market(record):
                    self._cross(account, record, None)
        self._release_held()
        self._save()

    def expire_due(self, now: float | None = None) -> None:
        """Expire every DAY order whose session has closed by ``now`` (default: the clock)."""
        if self._next_expiry == _NEVER:  # no DAY order rests: spare the clock, at every tick
            return
        now = self.clock.time() if now is None else now
        if now < self._next_expiry:
            return
        self._next_expiry = _NEVER
        for working in self._working.values():
            for (account, _), record in list(working.items()):
                if record.expires_at is None:
                    continue
                if record.expires_at <= now:
                    self._finish(
                        account,
                        record,
                        OrderStatus.EXPIRED,
                        "DAY order expired at the session close",
                    )
                else:
                    self._next_expiry = min(self._next_expiry, record.expires_at)
        self._save()

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Expire DAY orders at each session close, for ever (run it in a nursery).

        Market events and requests expire overdue orders too; this makes the
        close happen on time when the market is quiet.
        """
        close = self.config.calendar.session_close(self.clock.time())
        task_status.started()
        try:
            while True:
                await self.clock.sleep_until_time(close)
                self.expire_due(close)
                close = self.config.calendar.session_close(close)
        finally:
            with trio.move_on_after(PERSIST_TIMEOUT, shield=True):
                await self.persist()  # a graceful stop keeps the last changes

    async def persist(self) -> None:
        """Return once every change made so far is on disk (at once without a state file).

        Nothing leaves the venue before it is durable, as at a real venue: the
        client awaits this before it answers a request, and an update stream
        before it hands over an event. The changes are encoded here, in the trio
        thread (so the state does not change while encoded), and written and
        fsynced in a worker thread: a slow disk delays whoever waits for it,
        never the event loop the rest of the daemon runs on. Changes made
        meanwhile go in the next write.
        """
        if self._durable >= self._changes:
            return
        async with self._persisting:
            changes = self._changes
            if self._durable >= changes:
                return  # written while this waited for the lock
            assert self._file is not None
            unwritten, self._unwritten = self._unwritten, []
            job = self._file.prepare(self._state, self._open_orders(), unwritten)
            try:
                if self._io == "inline":
                    self._file.write(job)
                else:
                    await trio.to_thread.run_sync(self._file.write, job)
            except BaseException:
                self._file.rewrite_next()
                raise
            self._durable = changes

    # -- requests (the client adds latency and faults around these) -------------------

    def submit(self, account: str, order: Order) -> OrderUpdate:
        self.expire_due()
        acct = self._account(account)
        if order.account != account:
            raise BrokerRejected(f"order for account {order.account!r} sent to account {account!r}")
        cid = order.client_order_id
        acct.submissions[cid] = acct.submissions.get(cid, 0) + 1
        self._dirty = True
        existing = acct.orders.get(cid)
        if existing is not None:
            if not existing.status.is_open and self._file is not None:
                self._unwritten.append((account, existing))  # its submissions changed
            self._save()
            raise BrokerRejected(f"duplicate client order id {cid!r}: the venue already has it")
        now = self.clock.time()
        record = OrderRecord(
            order=order,
            venue_order_id=f"V-{self._state.next_order}",
            status=OrderStatus.ACCEPTED,
            ts=now,
        )
        self._state.next_order += 1
        acct.orders[cid] = record
        refusal = self._refusal(account, order)
        if refusal is not None:
            record.status, record.reason = OrderStatus.REJECTED, refusal
            self._finish_order(account, record)
            self._emit(account, record.update())
        else:
            if order.time_in_force is TimeInForce.DAY:
                record.expires_at = self.config.calendar.session_close(now)
                self._next_expiry = min(self._next_expiry, record.expires_at)
            self._working[order.symbol][(account, cid)] = record
            self._emit(account, record.update())
            self._on_arrival(account, record)
        self._save()
        return record.update()

    def cancel(self, account: str, client_order_id: str) -> OrderUpdate:
        self.expire_due()
        record = self._record(account, client_order_id)
        if record.status.is_open:
            self._finish(account, record, OrderStatus.CANCELED, "canceled at the client's request")
            self._save()
        return record.update()

    def replace(
        self,
        account: str,
        client_order_id: str,
        *,
        quantity: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> OrderUpdate:
        self.expire_due()
        acct = self._account(account)
        record = self._record(account, client_order_id)
        if not record.status.is_open:
            raise BrokerRejected(f"order {client_order_id!r} is {record.status}: not replaceable")
        order = record.order
        changes: dict[str, Any] = {}
        if quantity is not None:
            if quantity <= record.filled_quantity:
                raise BrokerRejected(
                    f"new quantity {quantity} must exceed the filled {record.filled_quantity}"
                )
            changes["quantity"] = quantity
        if limit_price is not None:
            if order.order_type not in (OrderType.LIMIT, OrderType.STOP_LIMIT):
                raise BrokerRejected(f"a {order.order_type} order has no limit price")
            changes["limit_price"] = limit_price
        if stop_price is not None:
            if not is_stop(order.order_type):
                raise BrokerRejected(f"a {order.order_type} order has no stop price")
            if record.triggered:
                raise BrokerRejected("the stop has already triggered")
            changes["stop_price"] = stop_price
        new = msgspec.structs.replace(order, **changes)
        refusal = terms_refusal(new, self.instruments)
        if refusal is None:
            needed = self._requirement(acct, new, new.quantity - record.filled_quantity)
            spare = self._buying_power(account) + self._requirement(acct, order, record.remaining)
            if needed > spare:
                refusal = f"insufficient buying power: needs {needed}, available {spare}"
        if refusal is not None:
            raise BrokerRejected(refusal)
        record.order, record.reason, record.ts = new, "replaced", self.clock.time()
        self._dirty = True
        self._emit(account, record.update())
        if not is_stop(new.order_type) or record.triggered:
            self._cross(account, record, None)
        self._save()
        return record.update()

    def get_order(self, account: str, client_order_id: str) -> OrderUpdate:
        self.expire_due()
        return self._record(account, client_order_id).update()

    def open_orders(self, account: str) -> list[OrderUpdate]:
        self.expire_due()
        orders = self._account(account).orders.values()
        return [record.update() for record in orders if record.status.is_open]

    def fills(self, account: str, *, after: str | None = None) -> list[Fill]:
        fills = self._account(account).fills
        if after is None:
            return list(fills)
        start = bisect.bisect_right(fills, _execution_number(after), key=_fill_number)
        return fills[start:]

    def positions(self, account: str) -> list[VenuePosition]:
        acct = self._account(account)
        return [
            VenuePosition(
                symbol=symbol,
                quantity=position.quantity,
                average_price=position.cost
                / (position.quantity * self.instruments[symbol].multiplier),
            )
            for symbol, position in acct.positions.items()
        ]

    def get_account(self, account: str) -> VenueAccount:
        acct = self._account(account)
        return VenueAccount(
            account=account,
            cash=acct.cash,
            buying_power=max(Decimal(0), self._buying_power(account)),
            equity=self._equity(acct),
        )

    def subscribe(self, account: str) -> Subscriber:
        self._account(account)
        subscriber = Subscriber(self.config.stream_capacity, self.persist)
        self._subscribers.setdefault(account, []).append(subscriber)
        return subscriber

    def unsubscribe(self, account: str, subscriber: Subscriber) -> None:
        subscriber.close()
        subscribers = self._subscribers.get(account, [])
        if subscriber in subscribers:
            subscribers.remove(subscriber)

    # -- matching --------------------------------------------------------------------

    def _on_arrival(self, account: str, record: OrderRecord) -> None:
        order = record.order
        if is_stop(order.order_type):
            quote = self._markets[order.symbol].quote
            if quote is None or not self.config.trigger_stops_on_quotes:
                return
            if not self._stop_hit(record, quote.ask if order.side is Side.BUY else quote.bid):
                return
            record.triggered = True
        tif = order.time_in_force
        if tif is TimeInForce.FOK and self._fillable(record) < order.quantity:
            self._finish(account, record, OrderStatus.CANCELED, "FOK: not fillable in full")
            return
        self._cross(account, record, None)
        if tif in (TimeInForce.IOC, TimeInForce.FOK) and record.status.is_open:
            self._finish(
                account, record, OrderStatus.CANCELED, f"{tif.upper()}: remainder canceled"
            )

    def _fillable(self, record: OrderRecord) -> Decimal:
        """How much the order could take from the market right now."""
        if self._acts_as_market(record):
            return record.remaining
        order = record.order
        quote = self._markets[order.symbol].quote
        assert order.limit_price is not None
        touch = None if quote is None else limit_touch(order.side, order.limit_price, quote)
        if touch is None:
            return Decimal(0)
        return take(touch[1], self.config.participation, self.instruments[order.symbol])

    def _cross(self, account: str, record: OrderRecord, budget: Decimal | None) -> Decimal:
        """Execute against the current quote; ``budget`` caps a limit order's take."""
        order = record.order
        market = self._markets[order.symbol]
        instrument = self.instruments[order.symbol]
        if self._acts_as_market(record):
            price = market_price(
                market, order.side, record.remaining, self.config.slippage, instrument
            )
            if price is None:
                return Decimal(0)
            return self._execute(account, record, record.remaining, price)
        quote = market.quote
        assert order.limit_price is not None
        touch = None if quote is None else limit_touch(order.side, order.limit_price, quote)
        if touch is None:
            return Decimal(0)
        price, size = touch
        if budget is None:
            budget = take(size, self.config.participation, instrument)
        return self._execute(account, record, min(record.remaining, budget), price)

    def _execute(
        self, account: str, record: OrderRecord, quantity: Decimal, price: Decimal
    ) -> Decimal:
        """Book one execution of up to ``quantity`` at ``price``; return what was filled."""
        order = record.order
        instrument = self.instruments[order.symbol]
        if quantity <= 0 or not record.status.is_open:
            return Decimal(0)
        if (
            record.filled_quantity == 0
            and record.stop_after is None
            and order.quantity > instrument.lot_size
            and order.time_in_force is not TimeInForce.FOK
        ):
            fraction = self.faults.stop_partial(order.symbol)
            if fraction is not None:
                part = instrument.round_quantity(order.quantity * fraction)
                record.stop_after = min(
                    order.quantity - instrument.lot_size, max(instrument.lot_size, part)
                )
        if record.stop_after is not None:
            quantity = min(quantity, record.stop_after - record.filled_quantity)
            if quantity <= 0:
                return Decimal(0)
        acct = self._state.accounts[account]
        filled = record.filled_quantity + quantity
        total = commission_total(self.config.commission, instrument, filled)
        commission = total - record.commission
        apply_fill(acct, instrument, order.side, quantity, price, commission)
        now = self.clock.time()
        fill = Fill(
            execution_id=f"P-{self._state.next_execution}",
            client_order_id=order.client_order_id,
            account=account,
            symbol=order.symbol,
            side=order.side,
            quantity=quantity,
            price=price,
            commission=commission,
            ts=now,
            venue_order_id=record.venue_order_id,
            strategy=order.strategy,
        )
        self._state.next_execution += 1
        acct.fills.append(fill)
        if len(acct.fills) > self.config.fill_history:
            del acct.fills[: len(acct.fills) - self.config.fill_history]
        if self._file is not None:
            self._unwritten.append((account, fill))
        record.filled_quantity = filled
        record.filled_notional += price * quantity
        record.commission = total
        record.ts = now
        record.status = (
            OrderStatus.FILLED if filled == order.quantity else OrderStatus.PARTIALLY_FILLED
        )
        if record.status is OrderStatus.FILLED:
            self._working[order.symbol].pop((account, order.client_order_id), None)
            self._finish_order(account, record)
        self._dirty = True
        self._emit(account, fill)
        self._emit(account, record.update())
        return quantity

    def _finish(self, account: str, record: OrderRecord, status: OrderStatus, reason: str) -> None:
        record.status, record.reason, record.ts = status, reason, self.clock.time()
        self._working[record.order.symbol].pop((account, record.order.client_order_id), None)
        self._finish_order(account, record)
        self._dirty = True
        self._emit(account, record.update())

    def _finish_order(self, account: str, record: OrderRecord) -> None:
        """A finished order goes to the history; beyond ``order_history`` the oldest goes."""
        if self._file is not None:
            self._unwritten.append((account, record))
        finished = self._finished.setdefault(account, deque())
        finished.append(record.order.client_order_id)
        self._forget(account, finished)

    def _forget(self, account: str, finished: deque[str]) -> None:
        acct = self._state.accounts[account]
        while len(finished) > self.config.order_history:
            cid = finished.popleft()
            del acct.orders[cid]
            acct.submissions.pop(cid, None)

    def _open_orders(self) -> dict[str, dict[str, OrderRecord]]:
        """Each account's open orders, from the book of working orders."""
        orders: dict[str, dict[str, OrderRecord]] = {}
        for working in self._working.values():
            for (account, cid), record in working.items():
                orders.setdefault(account, {})[cid] = record
        return orders

    def _stop_hit(self, record: OrderRecord, price: Decimal) -> bool:
        assert record.order.stop_price is not None
        return stop_hit(record.order.side, record.order.stop_price, price)

    @staticmethod
    def _acts_as_market(record: OrderRecord) -> bool:
        kind = record.order.order_type
        return kind is OrderType.MARKET or (kind is OrderType.STOP and record.triggered)

    # -- checks ----------------------------------------------------------------------

    def _refusal(self, account: str, order: Order) -> str | None:
        refusal = terms_refusal(order, self.instruments)
        if refusal is not None:
            return refusal
        return account_refusal(
            self.config,
            self.instruments[order.symbol],
            self._markets[order.symbol],
            self._state.accounts[account],
            order,
            self._buying_power(account),
        )

    def _requirement(self, acct: AccountState, order: Order, remaining: Decimal) -> Decimal:
        held = acct.positions.get(order.symbol)
        needed = requirement(
            self.config,
            self.instruments[order.symbol],
            self._markets[order.symbol],
            Decimal(0) if held is None else held.quantity,
            order,
            remaining,
        )
        return needed or Decimal(0)

    def _buying_power(self, account: str) -> Decimal:
        mine = [
            record
            for working in self._working.values()
            for (owner, _), record in working.items()
            if owner == account
        ]
        acct = self._state.accounts[account]
        return buying_power(self.config, acct, self.instruments, self._markets, mine)

    def _equity(self, acct: AccountState) -> Decimal:
        return equity(acct, self.instruments, self._markets)

    # -- plumbing --------------------------------------------------------------------

    def _account(self, account: str) -> AccountState:
        try:
            return self._state.accounts[account]
        except KeyError:
            raise BrokerRejected(f"no account {account!r} at the paper venue") from None

    def _record(self, account: str, client_order_id: str) -> OrderRecord:
        record = self._account(account).orders.get(client_order_id)
        if record is None:
            raise OrderNotFound(client_order_id)
        return record

    def _emit(self, account: str, event: VenueEvent) -> None:
        subscribers = self._subscribers.get(account)
        if not subscribers:
            return
        if self.faults.in_outage():
            self._drop_all("connection lost: the venue is down (outage)")
            return
        for subscriber in subscribers:
            subscriber.deliver(event, self.faults)
        self._delivered = True
        self._subscribers[account] = [s for s in subscribers if s.connected]

    def _release_held(self) -> None:
        """After a market event: drop the streams in an outage, release held-back events.

        Only a delivery can hold an event back (a reorder fault), so with
        nothing delivered since the last release there is nothing to release:
        the loop over the streams is spared at most market events.
        """
        if self.faults.in_outage():
            self._drop_all("connection lost: the venue is down (outage)")
        if not self._delivered:
            return
        self._delivered = False
        for subscribers in self._subscribers.values():
            for subscriber in subscribers:
                subscriber.release()

    def _drop_all(self, reason: str) -> None:
        for subscribers in self._subscribers.values():
            for subscriber in subscribers:
                subscriber.drop(reason)
        self._subscribers.clear()

    def _save(self) -> None:
        """Count a change; it is written by the next :meth:`persist`."""
        if self._dirty and self._file is not None:
            self._changes += 1
        self._dirty = False

    def _index_loaded_state(self) -> None:
        """Put loaded working orders back on the book; refuse state naming unknown symbols.

        The history loaded is cut to what this configuration keeps.
        """
        for account, acct in self._state.accounts.items():
            for symbol in acct.positions:
                self._known(symbol, f"$.accounts.{account}.positions.{symbol}")
            finished = self._finished[account] = deque(
                cid for cid, record in acct.orders.items() if not record.status.is_open
            )
            self._forget(account, finished)
            del acct.fills[: max(0, len(acct.fills) - self.config.fill_history)]
            for cid, record in acct.orders.items():
                if not record.status.is_open:
                    continue
                symbol = record.order.symbol
                self._known(symbol, f"$.accounts.{account}.orders.{cid}.order.symbol")
                self._working[symbol][(account, cid)] = record
                if record.expires_at is not None:
                    self._next_expiry = min(self._next_expiry, record.expires_at)

    def _known(self, symbol: str, where: str) -> None:
        if symbol not in self.instruments and self._file is not None:
            raise PaperStateError(
                self._file.path, f"{symbol!r} is not a configured instrument - at `{where}`"
            )


def _fill_number(fill: Fill) -> int:
    return _execution_number(fill.execution_id)


def _execution_number(execution_id: str) -> int:
    prefix, _, number = execution_id.partition("-")
    if prefix != "P" or not number.isdigit():
        raise BrokerRejected(f"{execution_id!r} is not a paper execution id (P-<n>)")
    return int(number)
