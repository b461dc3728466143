"""The broker session: one actor per account between risk and a venue.

It journals every order intent before sending it, never resubmits after a
timeout (it asks the venue instead), reconciles with the venue on every
start, and books each execution exactly once.
"""

from ._book import BookSnapshot as BookSnapshot
from ._book import OrderBook as OrderBook
from ._book import TrackedOrder as TrackedOrder
from ._config import SessionConfig as SessionConfig
from ._history import SessionHistory as SessionHistory
from ._history import SessionMemory as SessionMemory
from ._history import SessionState as SessionState
from ._history import replay_history as replay_history
from ._session import SessionJournal as SessionJournal
from ._session import broker_session as broker_session
from ._session import session_name as session_name

__all__ = [
    "BookSnapshot",
    "OrderBook",
    "SessionConfig",
    "SessionHistory",
    "SessionJournal",
    "SessionMemory",
    "SessionState",
    "TrackedOrder",
    "broker_session",
    "replay_history",
    "session_name",
]
