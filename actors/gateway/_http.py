"""HTTP ingress: TradingView webhooks, the operator API, UDF and metrics.

A starlette app served by hypercorn's trio worker inside the ``http`` actor,
so request handlers reach other actors through the same registry as every
actor. Webhooks are validated, de-duplicated and enqueued to the alert
strategy (``strategy-<name>``) and answered at once, well within
TradingView's 3 s. Reads need the read token when one is set; every command
needs the operator token (``Authorization: Bearer``). Errors are JSON
``{"error": reason}``.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, final

import msgspec
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import Response
from starlette.routing import Route

from actors.messages import (
    Bar,
    BreakerUpdate,
    CancelOrder,
    Fill,
    FlattenAccount,
    GetAccount,
    GetBreakers,
    GetOpenOrders,
    GetPortfolio,
    GetStrategies,
    OrderUpdate,
    PauseStrategy,
    Quote,
    Rebalance,
    ResetBreaker,
    ResumeStrategy,
    RiskRejected,
    SubmitManualOrder,
)
from runtime import Actor, ActorContext, Message, Policy, Request, Subscribe, TaskStatus
from runtime.errors import ActorUnavailable, AskTimeout

from ._accounts import account_view
from ._commands import CommandFailed, broker_name, forward
from ._commands import Route as CommandRoute
from ._config import HttpConfig
from ._envelope import fields_of
from ._market import MarketStore
from ._metrics import Metrics
from ._queries import GetHubStats, GetListenAddress, HubStats, ListenAddress
from ._responses import JSONResponse, error
from ._snapshot import broker_actors
from ._tokens import bearer_token, token_matches
from ._udf import udf_routes
from ._webhook import (
    Deduper,
    TokenBucket,
    WebhookError,
    alert_from_body,
    body_secret,
    parse_body,
    signature_matches,
)

__all__ = ["http_actor", "http_subscriptions"]

_OBSERVED: tuple[type, ...] = (OrderUpdate, Fill, RiskRejected, BreakerUpdate, Bar)


def http_subscriptions(config: HttpConfig) -> tuple[Subscribe, ...]:
    """Metrics and UDF inputs: drop-oldest (quotes conflated), never slowing trading."""
    return (
        *(Subscribe(t, Policy.DROP_OLDEST, capacity=1024) for t in _OBSERVED),
        Subscribe(Quote, Policy.CONFLATE, capacity=1024, key=lambda q: q.symbol),
    )


def http_actor(
    config: HttpConfig,
    *,
    operator_token: str,
    read_token: str | None = None,
    webhook_secret: str | None = None,
) -> Actor:
    """The HTTP actor (daemon name ``"http"``); answers :class:`GetListenAddress`."""

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        for sub in http_subscriptions(config):
            ctx.subscribe(sub.message_type, sub.policy, capacity=sub.capacity, key=sub.key)
        ingress = _Ingress(ctx, config, operator_token, read_token, webhook_secret)
        server_config = HypercornConfig()
        server_config.bind = [f"{config.host}:{config.port}"]
        server_config.accesslog = None
        server_config.errorlog = logging.getLogger("tradeloop.http")
        server_config.graceful_timeout = 1.0
        stop = trio.Event()
        async with trio.open_nursery() as nursery:
            binds = await nursery.start(
                partial(
                    serve,
                    ingress.app(),  # type: ignore[arg-type]  # starlette is an ASGI app
                    server_config,
                    shutdown_trigger=stop.wait,
                )
            )
            port = int(binds[0].rsplit(":", 1)[1])
            address = ListenAddress(host=config.host, port=port, url=f"http://{config.host}:{port}")
            ctx.log.info("http listening", url=address.url)
            task_status.started()
            try:
                async for message in ctx.mailbox:
                    if isinstance(message, Request):
                        if isinstance(message.message, GetListenAddress):
                            message.reply(address)
                        else:
                            message.fail(ValueError(f"http does not answer {message.message!r}"))
                    elif isinstance(message, Bar | Quote):
                        ingress.market.add(message)
                        ingress.metrics.observe(message)
                    else:
                        ingress.metrics.observe(message)
            finally:
                stop.set()

    return run


class _Reset(msgspec.Struct, forbid_unknown_fields=True):
    code: str


class _Account(msgspec.Struct, forbid_unknown_fields=True):
    account: str | None = None


class _Rebalance(msgspec.Struct, forbid_unknown_fields=True):
    mode: str = "weights"


@final
class _Ingress:
    def __init__(
        self,
        ctx: ActorContext,
        config: HttpConfig,
        operator_token: str,
        read_token: str | None,
        webhook_secret: str | None,
    ) -> None:
        self.ctx = ctx
        self.registry = ctx.registry
        self.clock = ctx.clock
        self.config = config
        self.operator_token = operator_token
        self.read_token = read_token
        self.webhook_secret = webhook_secret
        self.bucket = TokenBucket(config.webhook_rate, config.webhook_burst, ctx.clock.monotonic())
        self.deduper = Deduper(config.dedupe_window)
        self.market = MarketStore(config.bars_per_symbol)
        self.metrics = Metrics(ctx.registry)

    def app(self) -> Starlette:
        routes = [
            Route("/webhook/tradingview", self.webhook, methods=["POST"]),
            Route("/webhook/tradingview/{secret}", self.webhook, methods=["POST"]),
            Route("/health", self.health),
            Route("/metrics", self.scrape),
            Route("/api/portfolio", self.portfolio),
            Route("/api/positions", self.positions),
            Route("/api/orders", self.orders),
            Route("/api/orders", self.submit_order, methods=["POST"]),
            Route("/api/orders/{order_id}", self.cancel_order, methods=["DELETE"]),
            Route("/api/breakers", self.breakers),
            Route("/api/breakers/{name}/reset", self.reset_breaker, methods=["POST"]),
            Route("/api/actors", self.actors),
            Route("/api/strategies", self.strategies),
            Route("/api/strategies/{name}/{verb}", self.strategy_command, methods=["POST"]),
            Route("/api/accounts", self.accounts),
            Route("/api/flatten", self.flatten, methods=["POST"]),
            Route("/api/rebalance", self.rebalance, methods=["POST"]),
            *udf_routes(self.market, self.clock.time),
        ]
        return Starlette(routes=routes)

    # -- helpers -------------------------------------------------------------------

    async def _body(self, request: HttpRequest) -> bytes:
        declared = request.headers.get("content-length")
        limit = self.config.max_body
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise WebhookError(413, f"body larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise WebhookError(413, f"body larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _token(self, request: HttpRequest) -> str | None:
        return bearer_token(request.headers.get("authorization")) or request.query_params.get(
            "token"
        )

    def _refuse_read(self, request: HttpRequest) -> Response | None:
        if self.read_token is None:
            return None
        token = self._token(request)
        if token_matches(token, self.read_token) or token_matches(token, self.operator_token):
            return None
        return error(401, "a valid read token is required (Authorization: Bearer)")

    def _refuse_operator(self, request: HttpRequest) -> Response | None:
        token = bearer_token(request.headers.get("authorization"))
        if token_matches(token, self.operator_token):
            return None
        if token is None:
            return error(401, "the operator token is required (Authorization: Bearer)")
        return error(403, "the token is not the operator token")

    async def _ask(self, name: str, question: Message) -> Any:
        try:
            return await self.registry.ref(name).ask(question, timeout=self.config.ask_timeout)
        except (ActorUnavailable, AskTimeout) as exc:
            raise CommandFailed(str(exc), 503) from None

    async def _command(self, request: HttpRequest, route: CommandRoute) -> Response:
        refused = self._refuse_operator(request)
        if refused is not None:
            return refused
        try:
            answer = await forward(self.registry, route, timeout=self.config.ask_timeout)
        except CommandFailed as exc:
            return error(exc.status, exc.reason)
        self.ctx.log.info("operator command", command=type(route.message).__name__)
        if route.ask:
            return JSONResponse({"ok": True, "result": answer})
        return JSONResponse({"ok": True, "status": "accepted"}, status_code=202)

    async def _decode(self, request: HttpRequest, kind: type[Any], empty_ok: bool = False) -> Any:
        raw = await self._body(request)
        if not raw.strip() and empty_ok:
            raw = b"{}"
        try:
            return msgspec.json.decode(raw, type=kind)
        except msgspec.DecodeError as exc:
            raise WebhookError(422, f"invalid body: {exc}") from None

    # -- webhook -------------------------------------------------------------------

    async def webhook(self, request: HttpRequest) -> Response:
        try:
            response = await self._webhook(request)
        except WebhookError as exc:
            outcome = {401: "unauthorized", 413: "too_large", 429: "rate_limited"}
            self.metrics.webhooks[outcome.get(exc.status, "invalid")] += 1
            extra = {"field": exc.field} if exc.field else {}
            return error(exc.status, exc.reason, **extra)
        return response

    async def _webhook(self, request: HttpRequest) -> Response:
        secret = self.webhook_secret
        if secret is None:
            self.metrics.webhooks["disabled"] += 1
            return error(
                403,
                "the webhook is disabled: no secret is configured "
                "(set TRADELOOP_WEBHOOK_SECRET or gateway.webhook_secret)",
            )
        raw = await self._body(request)
        if not self.bucket.take(self.clock.monotonic()):
            raise WebhookError(429, "too many alerts; slow down")
        path_secret = request.path_params.get("secret")
        signature = request.headers.get("x-hub-signature-256")
        if path_secret is not None:
            if not token_matches(path_secret, secret):
                raise WebhookError(401, "the secret in the path is not valid")
        elif signature is not None:
            if not signature_matches(signature, secret, raw):
                raise WebhookError(401, "X-Hub-Signature-256 does not match the body")
        else:
            given = body_secret(raw)
            if given is None:
                raise WebhookError(
                    401,
                    "no secret: put it in the URL path, a secret/passphrase field, "
                    "or sign the body (X-Hub-Signature-256)",
                )
            if not token_matches(given, secret):
                raise WebhookError(401, "the secret is not valid")
        body = parse_body(raw)
        key, alert = alert_from_body(
            body, raw, default_strategy=self.config.alert_strategy, ts=self.clock.time()
        )
        now = self.clock.monotonic()
        previous = self.deduper.seen(key, now)
        if previous is not None:
            self.metrics.webhooks["duplicate"] += 1
            return JSONResponse({"alert_id": previous, "duplicate": True})
        target = f"strategy-{alert.strategy}"
        if target not in self.registry:
            raise WebhookError(422, f"no strategy named {alert.strategy!r}", "strategy")
        # Remembered before the (possibly waiting) tell: an identical request
        # arriving meanwhile is a duplicate, never a second forward.
        self.deduper.remember(key, alert.alert_id, now)
        try:
            with trio.fail_after(self.config.ask_timeout):
                await self.registry.ref(target).tell(alert)
        except (ActorUnavailable, trio.TooSlowError) as exc:
            self.deduper.forget(key)  # not taken: TradingView's resend may deliver it
            self.metrics.webhooks["unavailable"] += 1
            return error(503, f"strategy {alert.strategy!r} cannot take the alert now: {exc}")
        self.metrics.webhooks["accepted"] += 1
        self.ctx.log.info("alert accepted", alert_id=alert.alert_id, strategy=alert.strategy)
        return JSONResponse({"alert_id": alert.alert_id, "duplicate": False})

    # -- reads -----------------------------------------------------------------------

    async def health(self, request: HttpRequest) -> Response:
        actors = [
            {
                "name": a.name,
                "supervisor": a.supervisor,
                "kind": a.kind,
                "status": a.status,
                "restarts": a.restarts,
                "last_error": a.last_error,
            }
            for a in self.registry.actors()
        ]
        healthy = all(a["status"] == "running" for a in actors)
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "actors": actors},
            status_code=200 if healthy else 503,
        )

    async def scrape(self, request: HttpRequest) -> Response:
        refused = self._refuse_read(request)
        if refused is not None:
            return refused
        if "hub" in self.registry:
            try:
                stats = await self.registry.ref("hub").ask(GetHubStats(), timeout=0.5)
            except (ActorUnavailable, AskTimeout):
                stats = None
            self.metrics.hub = stats if isinstance(stats, HubStats) else None
        return Response(generate_latest(self.metrics.prometheus), media_type=CONTENT_TYPE_LATEST)

    async def _read(self, request: HttpRequest, name: str, question: Message) -> Any:
        refused = self._refuse_read(request)
        if refused is not None:
            raise _Refused(refused)
        return await self._ask(name, question)

    async def _guarded(self, request: HttpRequest, produce: Any) -> Response:
        try:
            return JSONResponse(await produce())
        except _Refused as refused:
            return refused.response
        except CommandFailed as exc:
            return error(exc.status, exc.reason)

    async def portfolio(self, request: HttpRequest) -> Response:
        async def produce() -> Any:
            return (await self._read(request, "portfolio", GetPortfolio())).portfolio

        return await self._guarded(request, produce)

    async def positions(self, request: HttpRequest) -> Response:
        async def produce() -> Any:
            return (await self._read(request, "portfolio", GetPortfolio())).positions

        return await self._guarded(request, produce)

    async def orders(self, request: HttpRequest) -> Response:
        async def produce() -> Any:
            found: list[Any] = []
            for name in broker_actors(self.registry):
                found.extend((await self._read(request, name, GetOpenOrders())).orders)
            return found

        return await self._guarded(request, produce)

    async def breakers(self, request: HttpRequest) -> Response:
        async def produce() -> Any:
            return await self._read(request, "breakers", GetBreakers())

        return await self._guarded(request, produce)

    async def strategies(self, request: HttpRequest) -> Response:
        async def produce() -> Any:
            return (await self._read(request, "risk", GetStrategies())).strategies

        return await self._guarded(request, produce)

    async def actors(self, request: HttpRequest) -> Response:
        refused = self._refuse_read(request)
        if refused is not None:
            return refused
        return JSONResponse([fields_of(info) for info in self.registry.actors()])

    async def accounts(self, request: HttpRequest) -> Response:
        refused = self._refuse_read(request)
        if refused is not None:
            return refused
        brokers = broker_actors(self.registry)
        answers: dict[str, Any] = {}
        failures: dict[str, str] = {}
        async with trio.open_nursery() as nursery:
            for name, question in (
                ("portfolio", GetPortfolio()),
                *((name, GetAccount()) for name in brokers),
                *((f"{name}/orders", GetOpenOrders()) for name in brokers),
            ):
                nursery.start_soon(self._ask_into, name, question, answers, failures)
        snapshot = answers.get("portfolio")
        views = []
        for name in brokers:
            parts = {"account": name, "orders": f"{name}/orders", "portfolio": "portfolio"}
            unavailable = {part: failures[key] for part, key in parts.items() if key in failures}
            status, orders = answers.get(name), answers.get(f"{name}/orders")
            entry = self.registry.entry(name).status
            views.append(account_view(name, entry, status, orders, snapshot, unavailable))
        return JSONResponse(views)

    async def _ask_into(
        self, name: str, question: Message, answers: dict[str, Any], failures: dict[str, str]
    ) -> None:
        target = name.split("/", 1)[0]
        try:
            answers[name] = await self._ask(target, question)
        except CommandFailed as exc:
            failures[name] = exc.reason

    # -- commands --------------------------------------------------------------------

    async def submit_order(self, request: HttpRequest) -> Response:
        refused = self._refuse_operator(request)
        if refused is not None:
            return refused
        try:
            order = await self._decode(request, SubmitManualOrder)
        except WebhookError as exc:
            return error(exc.status, exc.reason)
        return await self._command(request, CommandRoute("risk", order))

    async def cancel_order(self, request: HttpRequest) -> Response:
        account = request.query_params.get("account")
        message = CancelOrder(client_order_id=request.path_params["order_id"], account=account)
        target = broker_name(account, self.config.default_account)
        return await self._command(request, CommandRoute(target, message))

    async def flatten(self, request: HttpRequest) -> Response:
        refused = self._refuse_operator(request)
        if refused is not None:
            return refused
        try:
            body = await self._decode(request, _Account, empty_ok=True)
        except WebhookError as exc:
            return error(exc.status, exc.reason)
        target = broker_name(body.account, self.config.default_account)
        return await self._command(
            request, CommandRoute(target, FlattenAccount(account=body.account))
        )

    async def reset_breaker(self, request: HttpRequest) -> Response:
        refused = self._refuse_operator(request)
        if refused is not None:
            return refused
        try:
            body = await self._decode(request, _Reset)
        except WebhookError as exc:
            return error(exc.status, exc.reason)
        message = ResetBreaker(name=request.path_params["name"], code=body.code)
        return await self._command(request, CommandRoute("breakers", message, ask=True))

    async def strategy_command(self, request: HttpRequest) -> Response:
        name, verb = request.path_params["name"], request.path_params["verb"]
        message: Message
        if verb == "pause":
            message = PauseStrategy(name=name)
        elif verb == "resume":
            message = ResumeStrategy(name=name)
        else:
            return error(404, f"unknown strategy command {verb!r}; use pause or resume")
        return await self._command(request, CommandRoute("risk", message))

    async def rebalance(self, request: HttpRequest) -> Response:
        refused = self._refuse_operator(request)
        if refused is not None:
            return refused
        try:
            body = await self._decode(request, _Rebalance, empty_ok=True)
        except WebhookError as exc:
            return error(exc.status, exc.reason)
        return await self._command(request, CommandRoute("risk", Rebalance(mode=body.mode)))


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("refused")
        self.response = response
