"""Issue 13's settings: the lease, the Rasa timeout and the fallback Rasa servers; each bad
value is refused with the variable's name."""

from __future__ import annotations

import pytest

from bot.ops.settings import SettingsError, load


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("KAARIGAR_LEASE_SECONDS", "0.5", "between 1 and 300"),
        ("KAARIGAR_LEASE_SECONDS", "soon", "valid number"),
        ("KAARIGAR_RASA_TIMEOUT", "0", "between 1 and 300"),
        ("KAARIGAR_RASA_FALLBACK_URLS", "http://rasa-b:5005,rasa-c:5005", "'rasa-c:5005'"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError) as err:
        load(**{name: value})
    assert f"{name}: " in str(err.value) and says in str(err.value)


def test_fallback_rasa_servers_come_after_rasa_url() -> None:
    settings = load(
        RASA_URL="http://rasa-a:5005/",
        KAARIGAR_RASA_FALLBACK_URLS=" http://rasa-b:5005/ , https://rasa-c ,",
    )
    assert settings.rasa_urls == ["http://rasa-a:5005", "http://rasa-b:5005", "https://rasa-c"]
    assert load(RASA_URL="http://rasa-a:5005").rasa_urls == ["http://rasa-a:5005"]


def test_defaults() -> None:
    settings = load()
    assert settings.lease_seconds == 10.0 and settings.rasa_timeout == 10.0
