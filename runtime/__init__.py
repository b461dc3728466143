"""tradeloop's actor kernel: supervised trio actors that know nothing about trading."""

from ._message import Message as Message

__all__ = ["Message"]
