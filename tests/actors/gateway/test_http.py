"""HTTP ingress over real sockets: webhooks, operator API, health, UDF and metrics."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import trio
from prometheus_client.parser import text_string_to_metric_families

from actors.gateway import (
    GatewayConfig,
    GetListenAddress,
    HttpConfig,
    ListenAddress,
    Tokens,
    gateway_supervisor,
    load_or_create_operator_token,
)
from actors.messages import Bar, ExternalAlert, PauseStrategy, SubmitManualOrder
from runtime import MailboxReader, SupervisorSpec, Tree, open_tree

from ._doubles import T0, double
from ._wire import FAST_HUB, OPERATOR

SECRET = "tv-secret"


@asynccontextmanager
async def http_tree(
    *,
    secret: str | None = SECRET,
    read_token: str | None = None,
    doubles: tuple[str, ...] = ("portfolio", "breakers", "risk", "broker-paper"),
    **http: object,
) -> AsyncIterator[tuple[Tree, httpx.AsyncClient, MailboxReader]]:
    config = GatewayConfig(hub=FAST_HUB, http=HttpConfig(port=0, **http))  # type: ignore[arg-type]
    tokens = Tokens(operator=OPERATOR, read=read_token, webhook_secret=secret)
    spec = SupervisorSpec(
        name="root",
        children=(
            *(double(n) for n in doubles),
            gateway_supervisor(config, tokens),
        ),
    )
    async with open_tree(spec) as tree:
        probe = tree.inbox("strategy-tradingview")
        address = await tree.ref("http").ask(GetListenAddress())
        assert isinstance(address, ListenAddress)
        async with httpx.AsyncClient(base_url=address.url, timeout=2.0) as client:
            yield tree, client, probe


ALERT = {"ticker": "NASDAQ:AAPL", "action": "buy", "qty": 5, "time": "2026-01-02T15:30:00Z"}


async def next_alert(probe: MailboxReader) -> ExternalAlert:
    with trio.fail_after(1):
        alert = await probe.receive()
    assert isinstance(alert, ExternalAlert)
    return alert


async def test_json_alert_with_passphrase_reaches_the_strategy() -> None:
    async with http_tree() as (_, client, probe):
        response = await client.post("/webhook/tradingview", json={**ALERT, "passphrase": SECRET})
        assert response.status_code == 200
        alert = await next_alert(probe)
        assert response.json() == {"alert_id": alert.alert_id, "duplicate": False}
        assert (alert.symbol, alert.action, alert.quantity) == ("AAPL", "buy", Decimal(5))
        assert alert.strategy == "tradingview"


async def test_text_plain_alert_with_the_secret_in_the_path() -> None:
    async with http_tree() as (_, client, probe):
        body = json.dumps(
            {"symbol": "MSFT", "action": "SELL", "contracts": "2.5", "alert_id": "a1"}
        )
        response = await client.post(
            f"/webhook/tradingview/{SECRET}", content=body, headers={"content-type": "text/plain"}
        )
        assert response.json() == {"alert_id": "a1", "duplicate": False}
        alert = await next_alert(probe)
        assert (alert.symbol, alert.action, alert.quantity) == ("MSFT", "sell", Decimal("2.5"))


async def test_hmac_signed_body_is_accepted_and_a_bad_signature_refused() -> None:
    async with http_tree() as (_, client, probe):
        raw = json.dumps(ALERT).encode()
        good = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        response = await client.post(
            "/webhook/tradingview", content=raw, headers={"x-hub-signature-256": good}
        )
        assert response.status_code == 200
        await next_alert(probe)
        bad = await client.post(
            "/webhook/tradingview", content=raw, headers={"x-hub-signature-256": "sha256=00"}
        )
        assert bad.status_code == 401
        assert "X-Hub-Signature-256" in bad.json()["error"]


async def test_a_tradingview_retry_is_acknowledged_but_not_forwarded_twice() -> None:
    async with http_tree() as (_, client, probe):
        body = {**ALERT, "secret": SECRET}
        first = await client.post("/webhook/tradingview", json=body)
        retry = await client.post("/webhook/tradingview", json=body)
        assert retry.json() == {"alert_id": first.json()["alert_id"], "duplicate": True}
        await next_alert(probe)
        with trio.move_on_after(0.1):
            await probe.receive()
            pytest.fail("a duplicate was forwarded")


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/webhook/tradingview/wrong", ALERT, 401, "path is not valid"),
        ("/webhook/tradingview", ALERT, 401, "no secret"),
        ("/webhook/tradingview", {**ALERT, "secret": "nope"}, 401, "not valid"),
        (f"/webhook/tradingview/{SECRET}", {**ALERT, "qty": "many"}, 422, "qty"),
        (f"/webhook/tradingview/{SECRET}", {**ALERT, "action": "hold"}, 422, "action"),
        (f"/webhook/tradingview/{SECRET}", {"action": "buy"}, 422, "symbol"),
        (f"/webhook/tradingview/{SECRET}", {**ALERT, "strategy": "ghost"}, 422, "ghost"),
        (f"/webhook/tradingview/{SECRET}", {**ALERT, "order_type": "limit"}, 422, "price"),
    ],
)
async def test_webhook_refusals(path: str, body: object, status: int, says: str) -> None:
    async with http_tree() as (_, client, _probe):
        response = await client.post(path, json=body)
        assert response.status_code == status
        assert says in json.dumps(response.json())


async def test_webhook_is_closed_without_a_secret() -> None:
    async with http_tree(secret=None) as (_, client, _probe):
        response = await client.post("/webhook/tradingview", json=ALERT)
        assert response.status_code == 403
        assert "TRADELOOP_WEBHOOK_SECRET" in response.json()["error"]


# httpx's request body iterator is left unfinished when the server answers 413 before
# reading it all (the point of the test); that is the client's cleanup, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_oversized_body_is_refused() -> None:
    async with http_tree() as (_, client, _probe):
        response = await client.post(f"/webhook/tradingview/{SECRET}", content=b"x" * 1_048_576)
        assert response.status_code == 413


async def test_a_burst_over_the_rate_is_refused_with_429() -> None:
    async with http_tree(webhook_burst=3, webhook_rate=0.5) as (_, client, _probe):
        codes = [
            (
                await client.post(
                    f"/webhook/tradingview/{SECRET}", json={**ALERT, "alert_id": str(n)}
                )
            ).status_code
            for n in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]


async def test_operator_api_needs_the_operator_token() -> None:
    async with http_tree() as (tree, client, _probe):
        risk = tree.inbox("risk-probe")
        order = {"symbol": "AAPL", "side": "buy", "quantity": "3"}
        assert (await client.post("/api/orders", json=order)).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.post("/api/orders", json=order, headers=wrong)).status_code == 403
        auth = {"Authorization": f"Bearer {OPERATOR}"}
        accepted = await client.post("/api/orders", json=order, headers=auth)
        assert accepted.status_code == 202
        with trio.fail_after(1):
            told = await risk.receive()
        assert told == SubmitManualOrder(symbol="AAPL", side="buy", quantity=Decimal(3))  # type: ignore[arg-type]
        paused = await client.post("/api/strategies/momentum/pause", headers=auth)
        assert paused.status_code == 202
        with trio.fail_after(1):
            assert await risk.receive() == PauseStrategy(name="momentum")
        reset = await client.post(
            "/api/breakers/daily_loss/reset", json={"code": "X"}, headers=auth
        )
        assert reset.json()["result"]["state"] == "active"
        bad = await client.post("/api/orders", json={"symbol": "AAPL"}, headers=auth)
        assert bad.status_code == 422
        assert "side" in bad.json()["error"] or "quantity" in bad.json()["error"]


async def test_reads_health_and_a_missing_actor() -> None:
    async with http_tree(read_token="reader") as (_, client, _probe):
        assert (await client.get("/api/portfolio")).status_code == 401
        auth = {"Authorization": "Bearer reader"}
        portfolio = await client.get("/api/portfolio", headers=auth)
        assert portfolio.json()["equity"] == "100000"
        orders = await client.get("/api/orders", headers=auth)
        assert [o["client_order_id"] for o in orders.json()] == ["paper-0000000001"]
        health = await client.get("/health")
        names = {a["name"] for a in health.json()["actors"]}
        assert {"hub", "http", "portfolio"} <= names
        flatten = await client.post(
            "/api/flatten",
            json={"account": "ghost"},
            headers={"Authorization": f"Bearer {OPERATOR}"},
        )
        assert flatten.status_code == 503
        assert "broker-ghost" in flatten.json()["error"]


async def test_accounts_put_the_venue_beside_the_journal_and_portfolio() -> None:
    async with http_tree(read_token="reader") as (_, client, _probe):
        assert (await client.get("/api/accounts")).status_code == 401
        response = await client.get("/api/accounts", headers={"Authorization": "Bearer reader"})
        assert response.status_code == 200
        [paper] = response.json()
        assert paper["account"] == "paper"
        assert paper["session"] == {"actor": "broker-paper", "status": "running", "ready": True}
        assert paper["open_orders"] == 1
        assert paper["venue"] == {"cash": "98099.50", "positions": {"AAPL": "10", "MSFT": "2"}}
        assert paper["journal"] == {"positions": {"AAPL": "10"}}
        assert paper["portfolio"] == {"cash": "98099.50", "positions": {"AAPL": "10"}}
        assert paper["differences"] == [
            {"symbol": "MSFT", "venue": "2", "journal": "0", "portfolio": "0"}
        ]
        assert paper["blocked_symbols"] == ["MSFT"]
        report = paper["last_reconciliation"]
        assert (report["ok"], report["ts"]) == (False, T0)
        assert report["differences"] == [{"symbol": "MSFT", "journal": "0", "venue": "2"}]
        assert paper["unavailable"] == {}


async def test_accounts_name_a_part_whose_owner_is_missing() -> None:
    async with http_tree(doubles=("breakers", "risk", "broker-paper")) as (_, client, _probe):
        [paper] = (await client.get("/api/accounts")).json()
        assert paper["portfolio"] is None
        assert "no actor has that name" in paper["unavailable"]["portfolio"]
        assert paper["differences"] == [{"symbol": "MSFT", "venue": "2", "journal": "0"}]
        assert paper["venue"]["positions"] == {"AAPL": "10", "MSFT": "2"}


async def test_udf_and_metrics() -> None:
    async with http_tree() as (tree, client, _probe):
        for minute in range(3):
            tree.registry.publish_nowait(
                Bar(
                    symbol="SPY",
                    ts=T0 + 60 * minute,
                    timeframe="1m",
                    open=Decimal(1),
                    high=Decimal(2),
                    low=Decimal("0.5"),
                    close=Decimal("1.5"),
                    volume=Decimal(10),
                )
            )
        await trio.sleep(0.05)
        config = (await client.get("/udf/config")).json()
        assert config["supports_search"] != config["supports_group_request"]
        history = await client.get(
            "/udf/history",
            params={"symbol": "SPY", "resolution": "1", "from": int(T0), "to": int(T0) + 600},
        )
        assert history.json()["s"] == "ok"
        assert history.json()["t"] == [int(T0), int(T0) + 60, int(T0) + 120]
        empty = await client.get(
            "/udf/history",
            params={
                "symbol": "SPY",
                "resolution": "1",
                "from": int(T0) + 900,
                "to": int(T0) + 1000,
            },
        )
        assert empty.json() == {"s": "no_data", "nextTime": int(T0) + 120}
        unknown = await client.get("/udf/symbols", params={"symbol": "ZZZ"})
        assert unknown.json()["s"] == "error"
        assert (await client.get("/udf/time")).text.isdigit()
        await client.post(f"/webhook/tradingview/{SECRET}", json=ALERT)
        metrics = await client.get("/metrics")
        families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
        webhook = families["tradeloop_webhook_requests"]
        assert any(s.labels == {"outcome": "accepted"} and s.value == 1 for s in webhook.samples)
        assert "tradeloop_mailbox_depth" in families
        assert "tradeloop_hub_clients" in families


def test_operator_token_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    token = load_or_create_operator_token(tmp_path, None)
    path = tmp_path / "operator_token"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_operator_token(tmp_path, None) == token
    assert load_or_create_operator_token(tmp_path, "given") == "given"
    assert len(token) >= 32
