"""The whole daemon, live: a TradingView alert over HTTP becomes a booked fill.

Real time and real sockets (the HTTP ingress cannot run under a mock clock),
with a fast synthetic market so the path takes well under a second: webhook
-> alert strategy -> risk -> broker session -> paper venue -> journal ->
portfolio, and the hub announces the trade to a monitoring client.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import msgspec
import trio

from actors.gateway import (
    GatewayConfig,
    GetListenAddress,
    HttpConfig,
    HubConfig,
    ListenAddress,
    Tokens,
    open_hub_client,
)
from actors.messages import Fill, GetPortfolio, PortfolioSnapshot, Side
from actors.strategies import AlertConfig
from adapters.market import SyntheticConfig
from runtime import ActorRef, Subscribe
from tradeloop._config import Config, JournalConfig, MarketConfig
from tradeloop._daemon import open_daemon

SECRET = "s3cret-for-tests"
TOKENS = Tokens(operator="operator-token", read=None, webhook_secret=SECRET)


def _config() -> Config:
    return msgspec.structs.replace(
        Config(),
        journal=JournalConfig(io="thread"),
        market=MarketConfig(synthetic=SyntheticConfig(tick_interval=0.02)),
        gateway=GatewayConfig(hub=HubConfig(port=0), http=HttpConfig(port=0)),
        strategies=(AlertConfig(name="tradingview"),),  # nothing else trades
    )


async def _until_funded(portfolio: ActorRef[object]) -> None:
    """Risk refuses to size anything before the account's money is known."""
    with trio.fail_after(10):
        while True:
            snapshot: PortfolioSnapshot = await portfolio.ask(GetPortfolio())
            if snapshot.portfolio.equity > 0:
                return
            await trio.sleep(0.05)


async def test_an_alert_reaches_the_portfolio_as_a_fill_once(tmp_path: Path) -> None:
    async with open_daemon(_config(), tmp_path, tokens=TOKENS) as daemon:
        tree = daemon.tree
        fills = tree.inbox("fills", Subscribe(Fill))
        http: ListenAddress = await tree.ref("http").ask(GetListenAddress())
        hub: ListenAddress = await tree.ref("hub").ask(GetListenAddress())
        await _until_funded(daemon.tree.ref("portfolio"))
        body = {"ticker": "NASDAQ:AAPL", "action": "buy", "qty": 7, "alert_id": "tv-1"}
        async with open_hub_client(hub.url) as client, httpx.AsyncClient() as web:
            url = f"{http.url}/webhook/tradingview/{SECRET}"
            first = await web.post(url, json=body)
            retry = await web.post(url, json=body)  # TradingView's resend: same alert id
            assert first.status_code == 200, first.text
            assert retry.status_code == 200
            assert retry.json()["duplicate"] is True

            with trio.fail_after(10):
                fill = await fills.receive()
                while True:
                    event = json.loads(await client.get_message())
                    if event["type"] == "trade_executed":
                        break
            assert (fill.symbol, fill.side, fill.quantity) == ("AAPL", Side.BUY, Decimal(7))
            assert fill.strategy == "tradingview"
            assert event["data"]["symbol"] == "AAPL"
            assert Decimal(event["data"]["quantity"]) == 7

            assert len(fills) == 0  # the retry was answered as a duplicate, never forwarded
            snapshot: PortfolioSnapshot = await tree.ref("portfolio").ask(GetPortfolio())
            (position,) = [p for p in snapshot.positions if p.symbol == "AAPL"]
            assert position.quantity == 7
            venue = daemon.world.venue.ledger("paper")
            assert venue.positions["AAPL"].quantity == 7
            submissions = daemon.world.venue.submissions("paper")
            assert max(submissions.values()) == 1  # no client order id reached the venue twice
            buys = [o for o in venue.orders.values() if o.order.side is Side.BUY]
            assert len(buys) == 1  # one alert, one order (risk may add a protective stop)
