"""Tokens and secrets: where they come from and how they are checked.

Each comes from the environment first, then the config. The operator token is
never absent: without one, a random token is generated into the data
directory (mode 0600) at first start and its *location* is logged, never the
token. Every comparison is constant-time.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import final

import structlog

from ._config import GatewayConfig

__all__ = [
    "Tokens",
    "bearer_token",
    "load_or_create_operator_token",
    "resolve_tokens",
    "token_matches",
]

OPERATOR_TOKEN_FILE = "operator_token"


@final
class Tokens:
    """The resolved secrets; ``read`` and ``webhook_secret`` may be unset."""

    __slots__ = ("operator", "read", "webhook_secret")

    def __init__(self, *, operator: str, read: str | None, webhook_secret: str | None) -> None:
        self.operator = operator
        self.read = read
        self.webhook_secret = webhook_secret

    def __repr__(self) -> str:  # never print a secret by accident
        return "Tokens(<redacted>)"


def load_or_create_operator_token(data_dir: Path | str, configured: str | None) -> str:
    """The configured token, else the one stored in ``data_dir``, else a new one stored there."""
    if configured:
        return configured
    path = Path(data_dir) / OPERATOR_TOKEN_FILE
    log = structlog.get_logger("gateway")
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        stored = ""
    if stored:
        log.info("operator token loaded", path=str(path))
        return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    os.chmod(path, 0o600)
    log.info("operator token generated", path=str(path))
    return token


def resolve_tokens(
    config: GatewayConfig, data_dir: Path | str, environ: Mapping[str, str] | None = None
) -> Tokens:
    """Environment first (``TRADELOOP_*``), then the config; the operator token is ensured."""
    env = os.environ if environ is None else environ
    operator = env.get("TRADELOOP_OPERATOR_TOKEN") or config.operator_token
    return Tokens(
        operator=load_or_create_operator_token(data_dir, operator),
        read=env.get("TRADELOOP_READ_TOKEN") or config.read_token,
        webhook_secret=env.get("TRADELOOP_WEBHOOK_SECRET") or config.webhook_secret,
    )


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time equality; an absent token never matches."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
