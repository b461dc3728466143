"""The gateway's configuration: the hub, the HTTP ingress, tokens and secrets.

Defaults follow the outside contract (DESIGN.md): both servers bind to
127.0.0.1 only, the hub on 8765 and HTTP on 8080. Secrets are optional here
because the environment may supply them (see :mod:`._tokens`); the webhook is
never open without one.
"""

from __future__ import annotations

import msgspec

__all__ = ["GatewayConfig", "HttpConfig", "HubConfig"]

# TradingView resends a failed alert 3 times, 5 s apart: a window under 20 s
# would let a retry through as a second order.
MIN_DEDUPE_WINDOW = 20.0


class HubConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The WebSocket hub; ``port = 0`` asks the OS for a free port (tests)."""

    host: str = "127.0.0.1"
    port: int = 8765
    replay_buffer: int = 10_000  # events kept for ``resume``
    outbox_size: int = 1024  # frames queued per client before it is cut off as too slow
    mailbox_capacity: int = 4096  # per event type, drop-oldest: the hub never blocks trading
    heartbeat_interval: float = 5.0
    portfolio_interval: float = 1.0  # re-send the latest portfolio at least this often
    ping_interval: float = 15.0  # each client is pinged this often to detect dead peers
    ping_timeout: float = 10.0  # a client that does not answer a ping in time is dead
    close_timeout: float = 2.0  # bound on a close handshake
    # the share of the thread's time the fan-out may spend writing to sockets (a syscall
    # per client per pass); passes are spaced to keep to it, and trading has the rest
    fanout_share: float = 0.2
    snapshot_timeout: float = 1.0  # per actor asked for the snapshot
    command_timeout: float = 2.0
    max_message_size: int = 64 * 1024  # largest client message accepted

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"hub.port must be in 0..65535, not {self.port}")
        if not 0 < self.fanout_share <= 1:
            raise ValueError(f"hub.fanout_share must be in (0, 1], not {self.fanout_share}")
        if self.replay_buffer < 1 or self.outbox_size < 1 or self.mailbox_capacity < 1:
            raise ValueError("hub.replay_buffer, outbox_size and mailbox_capacity must be >= 1")
        if (
            min(
                self.heartbeat_interval,
                self.portfolio_interval,
                self.ping_interval,
                self.ping_timeout,
            )
            <= 0
        ):
            raise ValueError("hub intervals and timeouts must be > 0")


class HttpConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """HTTP ingress: webhooks, the operator API, UDF and metrics."""

    host: str = "127.0.0.1"
    port: int = 8080
    max_body: int = 64 * 1024  # bytes; larger webhook or API bodies get 413
    webhook_rate: float = 5.0  # alerts per second, refilled continuously
    webhook_burst: int = 20  # alerts accepted at once before 429
    dedupe_window: float = 60.0  # seconds a repeated alert is recognised
    ask_timeout: float = 2.0  # per actor asked by an API call
    default_account: str = "paper"  # broker account of account-less operator commands
    alert_strategy: str = "tradingview"  # strategy of alerts that name none
    bars_per_symbol: int = 2000  # recent bars kept for the UDF datafeed

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"http.port must be in 0..65535, not {self.port}")
        if self.dedupe_window < MIN_DEDUPE_WINDOW:
            raise ValueError(
                f"http.dedupe_window must be >= {MIN_DEDUPE_WINDOW:g} s "
                f"(TradingView retries for 15 s), not {self.dedupe_window:g}"
            )
        if self.webhook_rate <= 0 or self.webhook_burst < 1:
            raise ValueError("http.webhook_rate must be > 0 and webhook_burst >= 1")
        if self.max_body < 1 or self.bars_per_symbol < 1:
            raise ValueError("http.max_body and bars_per_symbol must be >= 1")


class GatewayConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The ``[gateway]`` config table; environment variables override the secrets."""

    hub: HubConfig = msgspec.field(default_factory=HubConfig)
    http: HttpConfig = msgspec.field(default_factory=HttpConfig)
    operator_token: str | None = None  # TRADELOOP_OPERATOR_TOKEN
    read_token: str | None = None  # TRADELOOP_READ_TOKEN
    webhook_secret: str | None = None  # TRADELOOP_WEBHOOK_SECRET
