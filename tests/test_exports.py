"""Each package's public surface: ``__all__`` complete and importable.

(ruff's RUF022 keeps each ``__all__`` sorted.)
"""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = [
    "runtime",
    "runtime.errors",
    "actors.messages",
    "actors.breakers",
    "actors.broker",
    "adapters.broker",
    "actors.risk",
    "actors.feed",
    "adapters.market",
    "actors.portfolio",
    "actors.strategies",
    "actors.gateway",
    "adapters.paper",
    "runtime.journal",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_importable(name: str) -> None:
    module = importlib.import_module(name)
    for symbol in module.__all__:
        assert hasattr(module, symbol), f"{name}.__all__ names missing {symbol}"


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_is_exported(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        symbol
        for symbol, value in vars(module).items()
        if not symbol.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", name).startswith(name.split(".")[0])
    }
    assert public <= set(module.__all__), f"{name} exposes {public - set(module.__all__)}"
