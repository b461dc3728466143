"""Which failures are transient: network errors and timeouts, also inside groups."""

from __future__ import annotations

import httpx
import pytest
import trio
import trio_websocket

from runtime import is_transient
from runtime.errors import ActorUnavailable, AskInterrupted, AskTimeout, SupervisorGaveUp

REQUEST = httpx.Request("GET", "http://127.0.0.1:1/")


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused", request=REQUEST),
        httpx.ReadTimeout("slow", request=REQUEST),
        httpx.RemoteProtocolError("bad", request=REQUEST),
        ConnectionResetError("reset"),
        OSError("unreachable"),
        trio.TooSlowError(),
        AskTimeout("broker", 5.0, "Submit"),
        ActorUnavailable("journal", "restarting"),
        AskInterrupted("journal", "incarnation 1 ended"),
        trio_websocket.ConnectionClosed(None),
        trio_websocket.HandshakeError(),
        ExceptionGroup("inner", [ConnectionResetError(), trio.TooSlowError()]),
        ExceptionGroup("outer", [ExceptionGroup("inner", [OSError()]), trio.TooSlowError()]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        KeyError("bug"),
        ValueError("bad"),
        httpx.HTTPStatusError("500", request=REQUEST, response=httpx.Response(500)),
        SupervisorGaveUp("s", 3, 5.0, "boom"),
        ExceptionGroup("mixed", [ConnectionResetError(), KeyError("bug")]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_not_transient(error: Exception) -> None:
    assert not is_transient(error)
