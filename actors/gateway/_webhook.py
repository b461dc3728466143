"""TradingView alerts: the body, its checks, de-duplication and the rate limit.

TradingView posts the alert text as is: JSON when it parses, else text/plain,
so the body is read raw and decoded as JSON whatever the content type. The
body fields follow DESIGN.md with the aliases popular templates use
(``ticker``, ``qty``/``contracts``, ``passphrase``); unknown fields are
ignored, a wrong type is refused naming the field.

TradingView resends an alert answered 5xx up to three times, 5 s apart, so
alerts are remembered by key over a window of at least 20 s and a repeat is
acknowledged with the same alert id but not forwarded again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import deque
from decimal import Decimal
from typing import Any, Final, final

import msgspec

from actors.messages import ExternalAlert, OrderType, SignalAction

__all__ = ["AlertBody", "Deduper", "TokenBucket", "WebhookError", "alert_from_body"]

_AT: Final = re.compile(r"at `\$\.?(?P<field>[^`]*)`")


class WebhookError(Exception):
    """A refused webhook request: HTTP ``status``, a ``reason`` and maybe the ``field``."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.field = field


class AlertBody(msgspec.Struct, kw_only=True):
    symbol: str | None = None
    ticker: str | None = None
    action: str | None = None
    quantity: Decimal | None = None
    qty: Decimal | None = None
    contracts: Decimal | None = None
    order_type: str = "market"
    price: Decimal | None = None
    stop_price: Decimal | None = None
    strategy: str | None = None
    alert_id: str | None = None
    time: str | int | float | None = None
    secret: str | None = None
    passphrase: str | None = None


class _Credentials(msgspec.Struct):
    """Only the secret fields, read before the rest so strangers learn nothing."""

    secret: Any = None
    passphrase: Any = None


_BODY: Final = msgspec.json.Decoder(AlertBody)
_CREDENTIALS: Final = msgspec.json.Decoder(_Credentials)


def body_secret(raw: bytes) -> str | None:
    """The ``secret`` (or ``passphrase``) of a JSON body, or None."""
    try:
        found = _CREDENTIALS.decode(raw)
    except msgspec.DecodeError:
        return None
    value = found.secret if found.secret is not None else found.passphrase
    return value if isinstance(value, str) else None


def signature_matches(header: str, secret: str, raw: bytes) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``, constant-time."""
    scheme, _, given = header.partition("=")
    if scheme != "sha256":
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.strip().lower(), expected)


def parse_body(raw: bytes) -> AlertBody:
    try:
        return _BODY.decode(raw)
    except msgspec.ValidationError as exc:
        match = _AT.search(str(exc))
        field = match["field"] if match else None
        raise WebhookError(422, f"invalid alert: {exc}", field) from None
    except msgspec.DecodeError as exc:
        raise WebhookError(422, f"the body is not a JSON alert: {exc}") from None


def _choice(value: str, kind: type[SignalAction] | type[OrderType], field: str) -> Any:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise WebhookError(422, f"{field} must be one of {allowed}, not {value!r}", field) from None


def alert_from_body(
    body: AlertBody, raw: bytes, *, default_strategy: str, ts: float
) -> tuple[str, ExternalAlert]:
    """The de-duplication key and the validated alert (alert id derived from the key)."""
    symbol = body.symbol if body.symbol is not None else body.ticker
    if not symbol or not symbol.strip():
        raise WebhookError(422, "symbol (or ticker) is required", "symbol")
    symbol = symbol.strip().split(":")[-1].upper()  # "NASDAQ:AAPL" -> "AAPL"
    if body.action is None:
        raise WebhookError(422, "action is required (buy, sell, close, flatten)", "action")
    action: SignalAction = _choice(body.action, SignalAction, "action")
    order_type: OrderType = _choice(body.order_type, OrderType, "order_type")
    quantity = next((q for q in (body.quantity, body.qty, body.contracts) if q is not None), None)
    if quantity is not None and not (quantity.is_finite() and quantity > 0):
        raise WebhookError(422, f"quantity must be positive, not {quantity}", "quantity")
    limit_price = stop_price = None
    if order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        if body.price is None:
            raise WebhookError(422, f"a {order_type} order needs price", "price")
        limit_price = body.price
    if order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
        stop_price = body.stop_price
        if stop_price is None and order_type is OrderType.STOP:
            stop_price = body.price
        if stop_price is None:
            raise WebhookError(422, f"a {order_type} order needs stop_price", "stop_price")
    strategy = (body.strategy or default_strategy).strip()
    if body.alert_id:
        key = f"id:{body.alert_id}"
    elif body.time is not None:
        key = f"sat:{symbol}|{action}|{body.time}"
    else:  # no id, no time: an identical body is the same alert (a retry)
        key = "body:" + hashlib.sha256(raw).hexdigest()
    alert_id = body.alert_id or "tv-" + hashlib.sha256(key.encode()).hexdigest()[:20]
    alert = ExternalAlert(
        alert_id=alert_id,
        source="tradingview",
        strategy=strategy,
        symbol=symbol,
        action=action,
        ts=ts,
        quantity=quantity,
        order_type=order_type,
        limit_price=limit_price,
        stop_price=stop_price,
    )
    return key, alert


@final
class Deduper:
    """Keys seen within ``window`` seconds (trio's clock), and the alert id each got."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._ids: dict[str, tuple[str, float]] = {}  # key -> (alert id, expiry)
        self._expiry: deque[tuple[float, str]] = deque()

    def _expire(self, now: float) -> None:
        while self._expiry and self._expiry[0][0] <= now:
            expires, key = self._expiry.popleft()
            entry = self._ids.get(key)
            if entry is not None and entry[1] == expires:  # not re-remembered since
                del self._ids[key]

    def seen(self, key: str, now: float) -> str | None:
        self._expire(now)
        entry = self._ids.get(key)
        return None if entry is None else entry[0]

    def remember(self, key: str, alert_id: str, now: float) -> None:
        expires = now + self.window
        self._ids[key] = (alert_id, expires)
        self._expiry.append((expires, key))

    def forget(self, key: str) -> None:
        """Drop ``key``; its pending expiry entry then finds nothing to remove."""
        self._ids.pop(key, None)


@final
class TokenBucket:
    """``rate`` per second, up to ``burst`` at once; time from trio's clock."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._last = now

    def take(self, now: float) -> bool:
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False
