"""JSON responses encoded by msgspec: Decimals exact (as strings), Structs native."""

from __future__ import annotations

from typing import Any, Final

import msgspec
from starlette.responses import Response

__all__ = ["JSONResponse", "error"]

_ENCODER: Final = msgspec.json.Encoder()


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _ENCODER.encode(content)


def error(status: int, reason: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": reason, **extra}, status_code=status)
