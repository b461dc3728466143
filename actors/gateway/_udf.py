"""TradingView's UDF datafeed over the daemon's own bars.

Conventions (venue-protocols.md, UDF): GET with query parameters, JSON
answers, errors in the body as ``{"s": "error", "errmsg": ...}`` with HTTP
200, ``no_data`` with ``nextTime`` (seconds) when the range is empty, ``/time``
as plain text, and ``Access-Control-Allow-Origin: *`` for browsers.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ._market import MarketStore
from ._responses import JSONResponse

__all__ = ["udf_routes"]

RESOLUTIONS: Final = {
    "1": "1m",
    "5": "5m",
    "15": "15m",
    "30": "30m",
    "60": "1h",
    "D": "1d",
    "1D": "1d",
}
_CORS: Final = {"Access-Control-Allow-Origin": "*"}


def _json(data: Any) -> Response:
    return JSONResponse(data, headers=_CORS)


def _error(message: str) -> Response:
    return _json({"s": "error", "errmsg": message})


def udf_routes(store: MarketStore, now: Any) -> list[Route]:
    """Routes under ``/udf``; ``now()`` gives epoch seconds on the runtime clock."""

    async def config(request: Request) -> Response:
        return _json(
            {
                "supports_search": True,
                "supports_group_request": False,
                "supported_resolutions": list(RESOLUTIONS),
                "supports_marks": False,
                "supports_timescale_marks": False,
                "supports_time": True,
                "exchanges": [{"value": "", "name": "All", "desc": ""}],
                "symbols_types": [{"name": "All", "value": ""}],
            }
        )

    async def symbols(request: Request) -> Response:
        name = request.query_params.get("symbol", "").split(":")[-1].upper()
        if name not in store.symbols():
            return _error(f"unknown symbol {name!r}")
        return _json(
            {
                "name": name,
                "ticker": name,
                "description": name,
                "type": "stock",
                "session": "24x7",
                "timezone": "Etc/UTC",
                "exchange": "tradeloop",
                "listed_exchange": "tradeloop",
                "minmov": 1,
                "pricescale": 100,
                "has_intraday": True,
                "has_daily": True,
                "supported_resolutions": list(RESOLUTIONS),
                "intraday_multipliers": ["1", "5", "15", "30", "60"],
                "volume_precision": 0,
                "currency_code": "USD",
                "format": "price",
            }
        )

    async def search(request: Request) -> Response:
        query = request.query_params.get("query", "").upper()
        try:
            limit = int(request.query_params.get("limit", "30"))
        except ValueError:
            return _error("limit must be an integer")
        found = [s for s in store.symbols() if query in s][:limit]
        return _json(
            [
                {
                    "symbol": s,
                    "full_name": s,
                    "description": s,
                    "exchange": "tradeloop",
                    "ticker": s,
                    "type": "stock",
                }
                for s in found
            ]
        )

    async def history(request: Request) -> Response:
        params = request.query_params
        symbol = params.get("symbol", "").split(":")[-1].upper()
        timeframe = RESOLUTIONS.get(params.get("resolution", ""))
        if timeframe is None:
            return _error(f"resolution must be one of {', '.join(RESOLUTIONS)}")
        try:
            start = int(params.get("from", "0"))
            end = int(params.get("to", str(int(now()))))
            countback = int(params["countback"]) if "countback" in params else None
        except ValueError:
            return _error("from, to and countback must be integers (Unix seconds)")
        series = store.series(symbol, timeframe)
        bars = [b for b in series if b.ts < end]
        bars = bars[-countback:] if countback else [b for b in bars if b.ts >= start]
        if not bars:
            earlier = [b.ts for b in series if b.ts < start]
            if earlier:
                return _json({"s": "no_data", "nextTime": int(earlier[-1])})
            return _json({"s": "no_data"})
        return _json(
            {
                "s": "ok",
                "t": [int(b.ts) for b in bars],
                "o": [float(b.open) for b in bars],
                "h": [float(b.high) for b in bars],
                "l": [float(b.low) for b in bars],
                "c": [float(b.close) for b in bars],
                "v": [float(b.volume) for b in bars],
            }
        )

    async def time(request: Request) -> Response:
        return PlainTextResponse(str(int(now())), headers=_CORS)

    async def quotes(request: Request) -> Response:
        names = [n for n in request.query_params.get("symbols", "").split(",") if n]
        rows: list[dict[str, Any]] = []
        for name in names:
            quote = store.quotes.get(name.split(":")[-1].upper())
            if quote is None:
                rows.append({"s": "error", "n": name, "v": {}})
                continue
            last = float(quote.mid)
            values = {
                "short_name": quote.symbol,
                "exchange": "tradeloop",
                "description": quote.symbol,
                "lp": last,
                "bid": float(quote.bid),
                "ask": float(quote.ask),
                "spread": float(quote.ask - quote.bid),
            }
            rows.append({"s": "ok", "n": name, "v": values})
        return _json({"s": "ok", "d": rows})

    return [
        Route("/udf/config", config),
        Route("/udf/symbols", symbols),
        Route("/udf/search", search),
        Route("/udf/history", history),
        Route("/udf/time", time),
        Route("/udf/quotes", quotes),
    ]
