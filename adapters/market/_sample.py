"""The sample replay file that ships with the project, and how it was made.

``sample/quotes.csv`` holds 100 seconds of quotes for AAPL, SPY and MES from
the synthetic market (seed 7, one tick a second, starting 2024-01-02
14:30:00 UTC), with a 10 % shock in SPY half way through. Regenerate it with
``python -m adapters.market._sample``; a test checks that doing so gives
the committed file byte for byte.
"""

from __future__ import annotations

import csv
import io
from typing import Final

import trio
import trio.testing

from actors.messages import Quote
from runtime import Clock

from ._replay import SAMPLE_QUOTES
from ._synthetic import SyntheticConfig, SyntheticMarket
from ._universe import default_universe

__all__ = ["render_sample"]

_SYMBOLS: Final = ("AAPL", "SPY", "MES")
_ORIGIN: Final = 1704205800.0  # 2024-01-02 14:30:00 UTC, a session open
_SECONDS: Final = 100


async def _record() -> list[Quote]:
    universe = [p for p in default_universe() if p.symbol in _SYMBOLS]
    market = SyntheticMarket(universe, SyntheticConfig(), seed=7, clock=Clock(origin=_ORIGIN))
    quotes: list[Quote] = []
    market.add_listener(lambda event: quotes.append(event) if isinstance(event, Quote) else None)
    async with trio.open_nursery() as nursery:
        await nursery.start(market.serve)
        await trio.sleep(_SECONDS / 2 - 0.5)
        market.shock("SPY", drop=0.10, over=10.0, recover=0.5, recover_over=20.0)
        await trio.sleep(_SECONDS / 2)
        nursery.cancel_scope.cancel()
    return quotes


def render_sample() -> str:
    """The sample file's text, made afresh (runs its own trio loop in virtual time)."""
    quotes = trio.run(_record, clock=trio.testing.MockClock(autojump_threshold=0))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("ts", "symbol", "bid", "ask", "bid_size", "ask_size"))
    for q in quotes:
        writer.writerow((f"{q.ts:.0f}", q.symbol, q.bid, q.ask, q.bid_size, q.ask_size))
    return out.getvalue()


if __name__ == "__main__":
    SAMPLE_QUOTES.write_text(render_sample(), encoding="utf-8")
