"""Request and reply: the in-process envelope of an ``ask``.

A :class:`Request` carries the asked message and a one-shot reply slot. It is
a plain class, never a msgspec Struct, because it must not cross a wire (a
Struct holding trio objects would encode silently as an empty object).

The asker waits on the slot under a timeout. The callee answers with
:meth:`Request.reply` or :meth:`Request.fail`. When the callee's incarnation
ends, its supervisor fails every request still outstanding to it, so an asker
never hangs on a dead actor; a failed request still queued in the mailbox is
skipped by the next incarnation.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, final

import trio

__all__ = ["Request"]

M = TypeVar("M")


@final
class Request(Generic[M]):
    __slots__ = ("_done", "_error", "_event", "_value", "message")

    def __init__(self, message: M) -> None:
        self.message = message
        self._event = trio.Event()
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    @property
    def done(self) -> bool:
        """True once answered or failed; later answers are ignored."""
        return self._done

    def reply(self, value: object) -> bool:
        """Answer the asker; returns False when it had already been answered or failed."""
        if self._done:
            return False
        self._done = True
        self._value = value
        self._event.set()
        return True

    def fail(self, error: BaseException) -> bool:
        """Make the asker's ``ask`` raise ``error``; False when already done."""
        if self._done:
            return False
        self._done = True
        self._error = error
        self._event.set()
        return True

    async def wait(self) -> Any:
        await self._event.wait()
        if self._error is not None:
            raise self._error
        return self._value

    def __repr__(self) -> str:
        return f"Request({self.message!r}, done={self._done})"
