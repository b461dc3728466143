"""Config files: TOML decoded into msgspec Structs, with errors a person can act on.

The config types forbid unknown fields, so a typo is an error and never a
silently ignored setting. Every error names the file, the key path
(``hub.port``) and the reason. TOML floats are read as ``Decimal`` so that
money in a config file stays exact; they convert to ``float`` fields too.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from .errors import ConfigError

__all__ = ["decode_config", "load_config", "to_toml_data"]

T = TypeVar("T")

_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")


def load_config(path: Path | str, config_type: type[T]) -> T:
    """Read and decode the TOML file at ``path``; raise ConfigError on any problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "", "no such file") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "", f"is not UTF-8 text: {exc.reason}") from None
    return decode_config(text, config_type, source=source)


def decode_config(text: str, config_type: type[T], *, source: str = "<config>") -> T:
    """Decode TOML text into ``config_type``; raise ConfigError naming the key."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"is not valid TOML: {exc}") from None
    try:
        return msgspec.convert(data, config_type, strict=True)
    except msgspec.ValidationError as exc:
        key_path, reason = _explain(str(exc))
        raise ConfigError(source, key_path, reason) from None
    except ValueError as exc:  # a Struct's __post_init__ refused a combination
        raise ConfigError(source, "", str(exc)) from None


def to_toml_data(config: object) -> dict[str, Any]:
    """The config as TOML-ready data (Decimal kept exact, None left out)."""
    data = msgspec.to_builtins(config, builtin_types=(Decimal,))
    assert isinstance(data, dict)
    cleaned: dict[str, Any] = _drop_none(data)
    return cleaned


def _drop_none(value: Any) -> Any:
    """TOML has no null: leave unset keys out, in tables and in arrays of tables."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


def _explain(message: str) -> tuple[str, str]:
    """Turn msgspec's "reason - at `$.a.b`" into ("a.b", reason)."""
    path = ""
    match = _PATH.search(message)
    if match:
        path = match["path"].lstrip(".")
        message = message[: match.start()]
    unknown = _UNKNOWN.match(message)
    if unknown:
        field = unknown["field"]
        return (f"{path}.{field}" if path else field), "unknown key (is it a typo?)"
    missing = _MISSING.match(message)
    if missing:
        field = missing["field"]
        return (f"{path}.{field}" if path else field), "required key is missing"
    return path, message[:1].lower() + message[1:]
