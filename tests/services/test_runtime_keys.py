"""Opening a store with keys that do not belong to it is refused before anything is written."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from mindway.errors import ConfigurationError
from mindway.services.runtime import Runtime
from tests.clinic import build_clinic
from tests.conftest import fast_settings


def test_a_lost_keys_folder_is_not_silently_replaced(tmp_path: Path) -> None:
    """New generated keys cannot open the old data keys: refuse, so nothing is written under
    keys that nobody could read back together with the old data."""
    settings = fast_settings(tmp_path / "data")
    rt = Runtime.open(settings)
    build_clinic(rt)
    rt.close()
    shutil.rmtree(settings.data_dir / "keys")
    with pytest.raises(ConfigurationError, match="not in the keyring"):
        Runtime.open(settings)


def test_the_same_keys_open_the_store_again(tmp_path: Path) -> None:
    settings = fast_settings(tmp_path / "data")
    Runtime.open(settings).close()
    rt = Runtime.open(settings)
    build_clinic(rt)
    rt.close()
    Runtime.open(settings).close()


def test_a_different_audit_secret_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = fast_settings(tmp_path / "data")
    rt = Runtime.open(settings)
    build_clinic(rt)
    rt.close()
    (settings.data_dir / "keys" / "secret_key").write_text(
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    )
    with caplog.at_level(logging.WARNING, logger="mindway"):
        Runtime.open(settings).close()
    assert "mindway audit verify" in caplog.text
