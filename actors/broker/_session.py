"""The broker session actor: one account, one venue, no order sent twice, no fill lost.

One task owns the state (the main loop reading the mailbox); venue requests
run in tasks of their own and report back to the mailbox, tagged with the
incarnation that sent them so a restarted session ignores a dead one's mail.
The rules, in the order an order meets them:

1. An order from risk gets the next client order id of the account's
   journal-backed sequence, and its intent is journaled before anything is
   sent. Intents older than ``max_order_age`` are refused, not sent late.
2. Orders wait while the session is reconciling, and while an order in the
   same symbol is ``unknown`` (at most ``max_hold`` seconds).
3. A submission that times out is ``unknown``: the session asks the venue
   for it by client order id until it learns the outcome; it never resends.
   One the venue still does not know after ``resolve_grace`` never arrived
   and is rejected.
4. Every execution is journaled before it is published, and booked once
   (by execution id). An order is filled when its executions are booked, not
   when a reply says so; executions a reply reports that the stream has not
   delivered ``resolve_grace`` seconds later are fetched by reconnecting
   (rule 6). A status the venue reports is journaled behind
   everything before it but published without waiting for the disk: if the
   process dies first, the restart asks the venue about the order anyway.
   Status changes the session decides itself are durable first.
5. The loop never waits for the disk: writes are made behind it (see
   :mod:`._writer`), so what arrives together is journaled together, and
   what must follow a write waits for it, not the loop.
6. ``BrokerUnavailable`` or a lost update stream crashes the session: its
   supervisor restarts it with backoff and the new incarnation reconciles
   (see :mod:`._reconcile`) before it sends anything.

A start restores the account's latest journal snapshot and replays the
records after it; a long replay (``snapshot_every`` records) is saved as the
next snapshot, and every ``snapshot_every`` records the session journals a
compaction folds the journal's new records into one (see :mod:`._history`).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, Final, Protocol, final

import msgspec
import trio

from actors.messages import (
    AccountStatus,
    Alert,
    AlertSeverity,
    BrokerRequestFailed,
    CancelAll,
    CancelOrder,
    Fill,
    FlattenAccount,
    GetAccount,
    GetOpenOrders,
    OpenOrders,
    Order,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Side,
    TimeInForce,
    make_client_order_id,
)
from adapters.broker import (
    BrokerClient,
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    OrderNotFound,
    VenueEvent,
)
from runtime import Actor, ActorContext, Message, Request, TaskStatus

from ._book import TrackedOrder
from ._config import SessionConfig
from ._history import SessionHistory, SessionMemory, SessionState, compact, replay_history
from ._reconcile import reconcile
from ._writer import JournalWriter

__all__ = ["SessionJournal", "broker_session", "session_name"]

FORGET_EVERY: Final = 256
"""Orders placed between two trims of the book's closed orders (and on each tick)."""
SERVE_BATCH: Final = 64
"""Mail served between two yields (all of it journaled in one write when the disk is slow)."""


class SessionJournal(Protocol):
    """The session's narrow view of the journal."""

    async def record(self, records: Sequence[Message]) -> None:
        """Make ``records`` durable (in order, atomically) before returning."""
        ...

    async def history(self, account: str) -> SessionHistory:
        """``account``'s latest snapshot and every record after it, in order.

        The records may include other accounts' (the session keeps its own).
        """
        ...

    async def save(self, account: str, state: SessionState, seq: int) -> None:
        """Keep ``state`` as ``account``'s memory after journal record ``seq``."""
        ...


def session_name(account: str) -> str:
    """The registry name of the session of ``account``."""
    return f"broker-{account}"


class _Mail:
    """Mail a session's own tasks send it; ``incarnation`` filters a dead one's."""

    __slots__ = ("incarnation",)

    def __init__(self, incarnation: int) -> None:
        self.incarnation = incarnation


@final
class _Event(_Mail):
    __slots__ = ("event",)

    def __init__(self, incarnation: int, event: VenueEvent) -> None:
        super().__init__(incarnation)
        self.event = event


@final
class _StreamLost(_Mail):
    __slots__ = ("error",)

    def __init__(self, incarnation: int, error: BaseException) -> None:
        super().__init__(incarnation)
        self.error = error


@final
class _Outcome(_Mail):
    __slots__ = ("client_order_id", "error", "operation", "update")

    def __init__(
        self,
        incarnation: int,
        operation: str,
        client_order_id: str,
        update: OrderUpdate | None,
        error: BrokerError | None,
    ) -> None:
        super().__init__(incarnation)
        self.operation = operation
        self.client_order_id = client_order_id
        self.update = update
        self.error = error


@final
class _Tick(_Mail):
    __slots__ = ()


def broker_session(
    client: BrokerClient, journal: SessionJournal, config: SessionConfig | None = None
) -> Actor:
    """The actor of ``client.account``'s session (name it :func:`session_name`)."""

    settings = config or SessionConfig()

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        history = await journal.history(client.account)
        memory = await replay_history(client.account, history.records, history.state)
        session = _Session(ctx, client, journal, settings, memory)
        ctx.log.info("session rebuilt", records=len(history.records), seq=history.seq)
        rebuilt = None
        if len(history.records) >= settings.snapshot_every:
            # The memory summarises the journal up to history.seq exactly (nothing ran yet).
            rebuilt = (memory.state(settings.keep_closed_orders), history.seq)
        task_status.started()
        try:
            async with trio.open_nursery() as nursery:
                session.nursery = nursery
                nursery.start_soon(session.compactor, rebuilt)
                nursery.start_soon(session.writer.serve)
                async with client.open_updates() as stream:
                    nursery.start_soon(session.pump, stream)
                    await reconcile(session)
                    session.arm(force=bool(session.book.unresolved()))
                    await session.serve()
        except BaseExceptionGroup as group:
            # One cause (the venue went away, a journal write failed): crash with
            # it bare, so the supervisor's ActorCrashed names it.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    return run


@final
class _Session:
    def __init__(
        self,
        ctx: ActorContext,
        client: BrokerClient,
        journal: SessionJournal,
        config: SessionConfig,
        memory: SessionMemory,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.account = client.account
        self.journal = journal
        self.config = config
        self.memory = memory
        self.book = memory.book
        self.incarnation = ctx.incarnation
        self.self_ref = ctx.ref(ctx.name)
        self.nursery: trio.Nursery | None = None
        self.ready = False
        self.held: dict[str, deque[tuple[str, float]]] = defaultdict(deque)
        self.unknown_since: dict[str, float] = {}
        # Orders the venue reports executed beyond their booked executions:
        # since when, and how much it reported.
        self.awaiting: dict[str, tuple[float, Decimal]] = {}
        self.querying: set[str] = set()
        self.inflight: dict[str, int] = {}  # submissions awaiting their answer, per symbol
        self.venue_positions: dict[str, Decimal] = {}
        self.venue_cash: Decimal | None = None
        self.journaled = 0  # records journaled since the last compaction was asked for
        self.writer = JournalWriter(journal, ctx.publish, self.counted)
        self.intents: dict[str, int] = {}  # unsent order -> the write that holds its intent
        # One compaction waiting is enough: asking again while one waits is a no-op.
        self._compact, self.compactions = trio.open_memory_channel[None](1)
        self.tick_armed = False

    # -- tasks -------------------------------------------------------------------

    async def pump(self, stream: Any) -> None:
        """Forward the venue's update stream into the mailbox, in order."""
        try:
            async for event in stream:
                await self.self_ref.tell(_Event(self.incarnation, event))
        except BrokerUnavailable as error:
            await self.self_ref.tell(_StreamLost(self.incarnation, error))
            return
        await self.self_ref.tell(
            _StreamLost(self.incarnation, BrokerUnavailable("the venue closed the update stream"))
        )

    async def record(self, records: Sequence[Message]) -> None:
        """Journal ``records`` and wait until they are durable (for the rare paths)."""
        await self.writer.wait(self.writer.write(records))

    async def publish(self, message: Message, *, after: int = 0) -> None:
        """Publish ``message`` once write ``after`` is durable, in the session's order."""
        await self.writer.publish(message, after=after)

    def counted(self, records: int) -> None:
        """Count journaled records towards a compaction."""
        self.journaled += records
        if self.journaled >= self.config.snapshot_every:
            self.journaled = 0
            with contextlib.suppress(trio.WouldBlock):
                self._compact.send_nowait(None)

    async def compactor(self, rebuilt: tuple[SessionState, int] | None) -> None:
        """Save the start's snapshot, then compact from the journal whenever asked."""
        if rebuilt is not None:
            await self.journal.save(self.account, *rebuilt)
            self.ctx.log.info("session snapshot saved", seq=rebuilt[1])
        async for _ in self.compactions:
            journal, keep = self.journal, self.config.keep_closed_orders
            seq = await compact(self.account, journal.history, journal.save, keep)
            self.ctx.log.info("session compacted", seq=seq)

    def arm(self, *, force: bool = False) -> None:
        """Tick once in ``resolve_interval`` if anything waits on time passing.

        Only unknown orders (queried on each tick), held ones (refused
        after ``max_hold``) and executions awaited from the stream do; with
        none of them, nothing ticks, and a session
        with nothing unresolved costs no wake-up a second (a replay's
        virtual clock would spend a scheduler pass on each).
        """
        if not self.tick_armed and (force or self.unknown_since or self.held or self.awaiting):
            self.tick_armed = True
            self.spawn(self.tick)

    async def tick(self) -> None:
        await self.ctx.clock.sleep(self.config.resolve_interval)
        await self.self_ref.tell(_Tick(self.incarnation))

    def spawn(self, fn: Callable[..., Awaitable[None]], *args: Any) -> None:
        assert self.nursery is not None
        self.nursery.start_soon(fn, *args)

    async def request(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Run one venue call under the request timeout (a timeout is a BrokerTimeout).

        A bare cancel scope rather than ``trio.fail_after`` (two generator-based
        context managers around the same scope, on every venue call).
        """
        with trio.move_on_after(self.config.request_timeout) as scope:
            return await call()
        assert scope.cancelled_caught
        raise BrokerTimeout(f"no answer within {self.config.request_timeout:g}s")

    async def _call(
        self, operation: str, client_order_id: str, call: Callable[[], Awaitable[OrderUpdate]]
    ) -> None:
        try:
            update: OrderUpdate | None = await self.request(call)
            error: BrokerError | None = None
        except BrokerError as exc:
            update, error = None, exc
        await self.self_ref.tell(
            _Outcome(self.incarnation, operation, client_order_id, update, error)
        )

    # -- the main loop -------------------------------------------------------------

    async def serve(self) -> None:
        self.ready = True
        for symbol in list(self.held):
            await self.release(symbol)
        while True:
            for message in await self.ctx.mailbox.receive_batch(SERVE_BATCH):
                await self.dispatch(message)

    async def dispatch(self, message: object) -> None:
        if isinstance(message, _Mail):
            if message.incarnation == self.incarnation:
                await self.on_mail(message)
        elif isinstance(message, Request):
            await self.on_request(message)
        else:
            await self.on_message(message)

    async def on_mail(self, mail: _Mail) -> None:
        if isinstance(mail, _Event):
            await self.on_venue_event(mail.event)
        elif isinstance(mail, _Outcome):
            await self.on_outcome(mail)
        elif isinstance(mail, _Tick):
            await self.on_tick()
        elif isinstance(mail, _StreamLost):
            await self.writer.drain()
            raise mail.error

    async def on_message(self, message: object) -> None:
        if isinstance(message, Order):
            await self.on_order(message)
        elif isinstance(message, CancelOrder):
            await self.cancel(message.client_order_id)
        elif isinstance(message, CancelAll):
            await self.cancel_all(message.symbol)
        elif isinstance(message, FlattenAccount):
            await self.flatten()
        else:
            self.ctx.log.warning("unexpected message", message_type=type(message).__name__)

    async def on_request(self, request: Request[Any]) -> None:
        message = request.message
        if isinstance(message, GetOpenOrders):
            request.reply(OpenOrders(orders=tuple(t.view() for t in self.book.open_orders())))
        elif isinstance(message, GetAccount):
            request.reply(self.status())
        elif isinstance(message, CancelOrder | CancelAll | FlattenAccount | Order):
            await self.on_message(message)
            # Answered once what the command changed is durable.
            answer = OpenOrders(orders=tuple(t.view() for t in self.book.open_orders()))
            self.writer.then(partial(request.reply, answer), after=self.writer.queued)
        else:
            request.fail(TypeError(f"{self.ctx.name} cannot answer {type(message).__name__}"))

    def status(self) -> AccountStatus:
        return AccountStatus(
            account=self.account,
            ready=self.ready,
            venue_positions=dict(self.venue_positions),
            journal_positions=dict(self.memory.positions),
            venue_cash=self.venue_cash,
            last_reconciliation=self.memory.last_report,
            blocked_symbols=tuple(sorted(self.blocked_symbols())),
        )

    # -- orders in ------------------------------------------------------------------------

    async def on_order(self, order: Order) -> None:
        """Name the order and journal its intent; it is sent once the intent is durable."""
        now = self.ctx.clock.time()
        client_order_id = make_client_order_id(self.account, self.memory.next_sequence)
        self.memory.next_sequence += 1
        order = msgspec.structs.replace(
            order, client_order_id=client_order_id, account=self.account, ts=order.ts or now
        )
        refusal = self.refusal(order, now)
        tracked = self.book.add(order, now)
        if refusal:
            self.book.mark(client_order_id, OrderStatus.REJECTED, now, refusal)
            view = tracked.view()
            await self.publish(view, after=self.writer.write([order, view]))
            return
        written = self.intents[client_order_id] = self.writer.write([order])
        await self.publish(tracked.view(), after=written)
        if self.ready and not self.held.get(order.symbol) and not self.busy(order.symbol):
            await self.send(tracked)
        else:
            self.held[order.symbol].append((client_order_id, now))
            self.arm()
        if self.memory.next_sequence % FORGET_EVERY == 0:
            self.book.forget_closed(self.config.keep_closed_orders)

    def refusal(self, order: Order, now: float) -> str:
        if order.quantity <= 0:
            return f"invalid order: quantity {order.quantity} is not positive"
        if order.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT) and not order.limit_price:
            return f"invalid order: a {order.order_type} order needs a limit price"
        if order.order_type in (OrderType.STOP, OrderType.STOP_LIMIT) and not order.stop_price:
            return f"invalid order: a {order.order_type} order needs a stop price"
        age = now - order.ts
        if age > self.config.max_order_age:
            return f"stale intent: {age:.1f}s old (max {self.config.max_order_age:g}s)"
        return ""

    async def send(self, tracked: TrackedOrder) -> None:
        order = tracked.order
        self.book.mark(order.client_order_id, OrderStatus.SUBMITTED, self.ctx.clock.time())
        self.inflight[order.symbol] = self.inflight.get(order.symbol, 0) + 1
        await self.publish(tracked.view())
        cid = order.client_order_id
        submit = partial(self.spawn, self._call, "submit", cid, partial(self.client.submit, order))
        # An order restored from the journal has its intent there already.
        self.writer.then(submit, after=self.intents.pop(cid, 0))

    def blocked_symbols(self) -> set[str]:
        """The symbols of unknown orders, found through ``unknown_since``.

        Every order that turns unknown is entered there (and leaves once it is
        settled), so this needs no scan of the book, which keeps up to
        ``keep_closed_orders`` closed orders and is asked on every order.
        """
        return {
            tracked.order.symbol
            for cid in self.unknown_since
            if (tracked := self.book.get(cid)) is not None and tracked.status is OrderStatus.UNKNOWN
        }

    def busy(self, symbol: str) -> bool:
        """An order in ``symbol`` is on its way or unresolved: the next one waits.

        Orders in one symbol reach the venue one at a time, in the order risk
        sent them: a netting close leg is answered before the entry behind it
        is sent, so the venue never sees the entry first and refuses the
        close as "reduce-only would open a position".
        """
        return self.inflight.get(symbol, 0) > 0 or symbol in self.blocked_symbols()

    async def release(self, symbol: str) -> None:
        """Send the next order held for ``symbol`` once nothing blocks it."""
        if not self.ready or self.busy(symbol):
            return
        queue = self.held.get(symbol)
        while queue:
            client_order_id, _ = queue.popleft()
            tracked = self.book.get(client_order_id)
            if tracked is not None and tracked.status is OrderStatus.PENDING_SUBMIT:
                await self.send(tracked)
                break
        if queue is not None and not queue:
            del self.held[symbol]

    # -- what the venue says ------------------------------------------------------------

    async def on_outcome(self, outcome: _Outcome) -> None:
        if outcome.operation != "submit":
            await self.on_answer(outcome)
            return
        tracked = self.book.get(outcome.client_order_id)
        if tracked is None:
            await self.on_answer(outcome)
            return
        symbol = tracked.order.symbol
        left = self.inflight.get(symbol, 0) - 1
        if left > 0:
            self.inflight[symbol] = left
        else:
            self.inflight.pop(symbol, None)
        await self.on_answer(outcome)
        await self.release(symbol)

    async def on_answer(self, outcome: _Outcome) -> None:
        cid = outcome.client_order_id
        if outcome.operation == "query":
            self.querying.discard(cid)
        if outcome.update is not None:
            await self.on_update(outcome.update)
            return
        error = outcome.error
        assert error is not None
        await self.report_failure(outcome.operation, error)
        tracked = self.book.get(cid)
        if tracked is None:
            return
        if outcome.operation == "submit":
            if tracked.status is not OrderStatus.SUBMITTED:
                # The stream already told us the venue has it (a lost reply after
                # the venue acted): the failed reply changes nothing.
                if isinstance(error, BrokerUnavailable):
                    await self.writer.drain()
                    raise error
                return
            if isinstance(error, BrokerTimeout):
                await self.set_status(
                    tracked, OrderStatus.UNKNOWN, f"submission timed out ({error}); resolving"
                )
                self.unknown_since[cid] = self.ctx.clock.time()
                self.arm()
            else:
                await self.set_status(tracked, OrderStatus.REJECTED, _reason(error))
                await self.release(tracked.order.symbol)
                if isinstance(error, BrokerUnavailable):
                    await self.writer.drain()  # what the crash follows is kept and told
                    raise error
        elif outcome.operation == "query" and isinstance(error, OrderNotFound):
            since = self.unknown_since.get(cid, self.ctx.clock.time())
            if self.ctx.clock.time() - since >= self.config.resolve_grace:
                await self.set_status(
                    tracked,
                    OrderStatus.REJECTED,
                    "not received by the venue (resolved by query; never resent)",
                )
                self.unknown_since.pop(cid, None)
                await self.release(tracked.order.symbol)

    async def report_failure(self, operation: str, error: BrokerError) -> None:
        self.ctx.log.warning("venue request failed", operation=operation, error=repr(error))
        if isinstance(error, OrderNotFound):
            return
        await self.publish(
            BrokerRequestFailed(
                account=self.account,
                operation=operation,
                error=f"{type(error).__name__}: {error}",
                ts=self.ctx.clock.time(),
            )
        )

    async def on_venue_event(self, event: VenueEvent) -> None:
        if event.account != self.account:
            return
        if isinstance(event, Fill):
            await self.on_fill(event)
        else:
            await self.on_update(event)

    async def on_update(self, update: OrderUpdate, *, as_reported: bool = False) -> None:
        """Apply a venue's report; see :meth:`OrderBook.apply_update` for ``as_reported``."""
        tracked = self.book.get(update.client_order_id)
        if tracked is None:
            await self.adopt(update, "the venue reported an order this session never placed")
            return
        if self.book.apply_update(update, as_reported=as_reported):
            view = tracked.view()
            self.writer.write([view])
            await self.publish(view)  # not after its write: see rule 4
            await self.settled(tracked)
        if not as_reported and update.filled_quantity > tracked.filled:
            cid = update.client_order_id
            since, reported = self.awaiting.get(
                cid, (self.ctx.clock.time(), update.filled_quantity)
            )
            self.awaiting[cid] = (since, max(reported, update.filled_quantity))
            self.arm()

    async def on_fill(self, fill: Fill) -> None:
        """Book an execution once, and publish it (and its order's view) once it is durable."""
        if self.book.has_execution(fill.execution_id):
            return
        tracked = self.book.get(fill.client_order_id)
        if tracked is None:
            self.memory.book_fill(fill)
            written = self.writer.write([fill])
            await self.publish(fill, after=written)
            await self.alert(
                AlertSeverity.CRITICAL,
                f"execution {fill.execution_id} for unknown order {fill.client_order_id} booked",
                execution_id=fill.execution_id,
                client_order_id=fill.client_order_id,
            )
            return
        if not fill.strategy:
            fill = msgspec.structs.replace(fill, strategy=tracked.order.strategy)
        status_before = tracked.status
        self.memory.book_fill(fill)
        awaited = self.awaiting.get(fill.client_order_id)
        if awaited is not None and tracked.filled >= awaited[1]:
            del self.awaiting[fill.client_order_id]
        view = tracked.view()
        written = self.writer.write([fill, view])
        await self.publish(fill, after=written)
        await self.publish(view, after=written)
        if view.status is not status_before:
            await self.settled(tracked)

    async def settled(self, tracked: TrackedOrder) -> None:
        """After any change: an order that was unknown may now be resolved."""
        if tracked.status is not OrderStatus.UNKNOWN:
            self.unknown_since.pop(tracked.order.client_order_id, None)
            await self.release(tracked.order.symbol)

    async def adopt(self, update: OrderUpdate, why: str) -> TrackedOrder:
        """Track a venue order we did not place (money at risk we must know about)."""
        order = Order(
            client_order_id=update.client_order_id,
            account=self.account,
            symbol=update.symbol,
            side=update.side,
            quantity=update.quantity,
            strategy=update.strategy or "adopted",
            ts=update.ts,
            order_type=update.order_type,
            limit_price=update.limit_price,
            stop_price=update.stop_price,
            reduce_only=update.reduce_only,
            intent_id=update.intent_id,
        )
        tracked = self.book.add(order, update.ts, adopted=True)
        self.book.apply_update(update)
        view = tracked.view()
        await self.publish(view, after=self.writer.write([order, view]))
        await self.alert(
            AlertSeverity.WARNING,
            f"adopted venue order {update.client_order_id}: {why}",
            client_order_id=update.client_order_id,
            symbol=update.symbol,
        )
        return tracked

    async def set_status(self, tracked: TrackedOrder, status: OrderStatus, reason: str) -> None:
        cid = tracked.order.client_order_id
        if self.book.mark(cid, status, self.ctx.clock.time(), reason):
            if status.is_terminal:
                self.intents.pop(cid, None)  # never to be sent
            view = tracked.view()
            await self.publish(view, after=self.writer.write([view]))

    async def alert(self, severity: AlertSeverity, message: str, **data: str) -> None:
        self.ctx.log.warning("alert", severity=str(severity), message=message, **data)
        await self.publish(
            Alert(
                severity=severity,
                category="broker",
                message=f"{self.account}: {message}",
                ts=self.ctx.clock.time(),
                data={"account": self.account, **data},
            )
        )

    # -- time passing -----------------------------------------------------------------

    async def on_tick(self) -> None:
        self.tick_armed = False
        now = self.ctx.clock.time()
        unknown = False
        for tracked in self.book.open_orders():
            cid = tracked.order.client_order_id
            if tracked.status is OrderStatus.UNKNOWN:
                unknown = True
                if cid not in self.querying:
                    self.querying.add(cid)
                    self.spawn(self._call, "query", cid, partial(self.client.get_order, cid))
        for symbol, queue in list(self.held.items()):
            while queue and now - queue[0][1] > self.config.max_hold:
                client_order_id, since = queue.popleft()
                held = self.book.get(client_order_id)
                if held is not None and held.status is OrderStatus.PENDING_SUBMIT:
                    await self.set_status(
                        held,
                        OrderStatus.REJECTED,
                        f"held {now - since:.0f}s behind an unresolved order in {symbol}",
                    )
            if not queue:
                del self.held[symbol]
        late = sorted(
            cid
            for cid, (since, _) in self.awaiting.items()
            if now - since >= self.config.resolve_grace
        )
        if late:
            await self.alert(
                AlertSeverity.WARNING,
                f"executions the venue reported for {', '.join(late[:5])} did not arrive on "
                f"the update stream within {self.config.resolve_grace:g}s; reconnecting to "
                "fetch them",
                orders=",".join(late),
            )
            await self.writer.drain()
            raise BrokerUnavailable(f"the update stream lost the executions of {late[:5]}")
        self.book.forget_closed(self.config.keep_closed_orders)
        self.arm(force=unknown)

    # -- operator commands ------------------------------------------------------------

    async def cancel(self, client_order_id: str) -> None:
        tracked = self.book.get(client_order_id)
        if tracked is None or tracked.status.is_terminal:
            self.ctx.log.info("cancel ignored: no open order", client_order_id=client_order_id)
            return
        if tracked.status is OrderStatus.PENDING_SUBMIT:
            # Decided here, in the task that owns the book: a held order released
            # in between would otherwise be marked canceled while at the venue.
            await self.set_status(tracked, OrderStatus.CANCELED, "canceled before it was sent")
            return
        self.spawn(
            self._call, "cancel", client_order_id, partial(self.client.cancel, client_order_id)
        )

    async def cancel_all(self, symbol: str | None) -> None:
        for tracked in self.book.open_orders(symbol):
            await self.cancel(tracked.order.client_order_id)

    async def flatten(self) -> None:
        """Cancel everything, then close every position with a market order."""
        await self.cancel_all(None)
        now = self.ctx.clock.time()
        for symbol, quantity in sorted(self.memory.positions.items()):
            await self.on_order(
                Order(
                    client_order_id="",
                    account=self.account,
                    symbol=symbol,
                    side=Side.SELL if quantity > 0 else Side.BUY,
                    quantity=abs(quantity),
                    time_in_force=TimeInForce.DAY,
                    reduce_only=True,
                    strategy="flatten",
                    ts=now,
                )
            )


def _reason(error: BrokerError) -> str:
    if isinstance(error, BrokerUnavailable):
        return f"venue unavailable, not delivered: {error}"
    return f"{type(error).__name__}: {error}"
