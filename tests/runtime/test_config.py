"""Config files: every error names the file, the key path and the reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from runtime import Backoff, decode_config, load_config, to_toml_data
from runtime.errors import ConfigError


class Venue(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    port: int = 8080
    cash: Decimal = Decimal("100000")


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    venue: Venue = Venue()
    backoff: Backoff = Backoff()


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('[venue]\nport = "eighty"', "venue.port", "expected `int`, got `str`"),
        ("[venue]\nprot = 80", "venue.prot", "unknown key (is it a typo?)"),
        ("[venu]\nport = 80", "venu", "unknown key (is it a typo?)"),
        ("[backoff]\njitter = 1.5", "backoff", "backoff jitter must be in [0, 1)"),
    ],
)
def test_errors_name_the_key_path_and_the_reason(text: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        decode_config(text, Settings, source="tl.toml")
    assert (caught.value.key_path, caught.value.reason) == (key, reason)
    assert str(caught.value).startswith("tl.toml")


def test_invalid_toml_and_missing_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not valid TOML"):
        decode_config("[venue\nport = 1", Settings)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml", Settings)


def test_money_stays_exact_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "tl.toml"
    path.write_text("[venue]\ncash = 25000.10\n")
    settings = load_config(path, Settings)
    assert settings.venue.cash == Decimal("25000.10")
    data = to_toml_data(settings)
    assert data["venue"]["cash"] == Decimal("25000.10")
    assert msgspec.convert(data, Settings) == settings
