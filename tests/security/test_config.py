"""Settings come from ``MINDWAY_*`` environment variables with safe single-machine defaults."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from mindway.config import Settings


def test_data_dir_and_database_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MINDWAY_DATA_DIR", str(tmp_path / "clinic"))
    monkeypatch.setenv("MINDWAY_DATABASE_URL", "postgresql+psycopg://mw@db.internal/mindway")
    settings = Settings()
    assert settings.data_dir == tmp_path / "clinic"
    assert settings.sqlalchemy_url == "postgresql+psycopg://mw@db.internal/mindway"


def test_relative_data_dir_is_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINDWAY_DATA_DIR", "relative/data")
    assert Settings().data_dir == tmp_path.resolve() / "relative" / "data"


def test_default_data_dir_is_the_per_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = Path(platformdirs.user_data_dir("mindway", appauthor=False)).resolve()
    settings = Settings()
    assert settings.data_dir == expected
    assert settings.data_dir.is_relative_to(tmp_path / "xdg")


def test_default_database_is_a_sqlite_file_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MINDWAY_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.database_url is None
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'mindway.sqlite3'}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://mw:pw@db:5432/mindway", "postgresql+psycopg://mw:pw@db:5432/mindway"),
        ("postgresql://mw@db/mindway", "postgresql+psycopg://mw@db/mindway"),
        ("postgresql+psycopg://mw@db/mindway", "postgresql+psycopg://mw@db/mindway"),
    ],
)
def test_postgres_urls_use_the_psycopg_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    """Heroku-style ``postgres://`` and bare ``postgresql://`` map to psycopg 3 (installed)."""
    monkeypatch.setenv("MINDWAY_DATABASE_URL", given)
    assert Settings().sqlalchemy_url == expected


def test_debug_and_production_are_off_by_default() -> None:
    settings = Settings()
    assert settings.debug is False
    assert settings.production is False
    assert settings.master_keys is None and settings.secret_key is None
    assert settings.mfa_required_roles == frozenset()
    assert settings.secure_cookies is False


def test_production_mode_turns_on_mfa_and_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINDWAY_PRODUCTION", "true")
    settings = Settings()
    assert settings.production is True
    assert settings.debug is False
    assert settings.mfa_required_roles == {"clinician", "admin"}
    assert settings.secure_cookies is True


def test_secrets_are_not_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINDWAY_SECRET_KEY", "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw==")
    settings = Settings()
    assert "c2VjcmV0" not in repr(settings)
    assert "c2VjcmV0" not in str(settings.model_dump())
