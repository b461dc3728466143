"""The broker session: one actor per account between risk and a venue.

It journals every order intent before sending it, never resubmits after a
timeout (it asks the venue instead), reconciles with the venue on every
start, and books each execution exactly once.
"""

from ._book import BookSnapshot as BookSnapshot
from ._book import OrderBook as OrderBook
from ._book import TrackedOrder as TrackedOrder

__all__ = ["BookSnapshot", "OrderBook", "TrackedOrder"]
