"""The daemon's configuration: one TOML file decoded into these Structs.

Every section and every key has a default, so ``tradeloop run`` with no file
runs the embedded default; unknown keys are errors (``forbid_unknown_fields``)
so that a typo never silently falls back to a default.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from runtime import Backoff

__all__ = ["Config", "DemoConfig", "RuntimeConfig", "SupervisionConfig"]

Positive = Annotated[float, msgspec.Meta(gt=0)]


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class RuntimeConfig(_Section, frozen=True):
    seed: int = 0
    data_dir: str = "var"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Wall-clock seconds the whole tree gets to stop after SIGINT/SIGTERM.
    shutdown_grace: Positive = 10.0


class SupervisionConfig(_Section, frozen=True):
    """Restart policy of the daemon's supervisors (intensity per period, backoff)."""

    intensity: Annotated[int, msgspec.Meta(ge=0)] = 5
    period: Positive = 30.0
    backoff: Backoff = Backoff()


class DemoConfig(_Section, frozen=True):
    """The kernel demo: a heartbeat publisher and a counter that subscribes to it."""

    heartbeat_interval: Positive = 1.0
    report_every: Annotated[int, msgspec.Meta(ge=1)] = 10


class Config(_Section, frozen=True):
    runtime: RuntimeConfig = RuntimeConfig()
    supervision: SupervisionConfig = SupervisionConfig()
    demo: DemoConfig = DemoConfig()
