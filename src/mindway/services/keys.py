"""Key rotation: re-wrap every data key under a new master key (cheap: no field re-encrypted)."""

from __future__ import annotations

from mindway.config import Settings
from mindway.security.keys import add_generated_master_key, load_keyring, retire_master_keys
from mindway.security.policy import OPERATOR
from mindway.security.vault import Vault
from mindway.services.runtime import Runtime


def rotate(settings: Settings) -> tuple[str, int]:
    """Make a new active master key (generated keyrings) and re-wrap; returns (kid, count)."""
    keyring = load_keyring(settings)
    if keyring.generated:
        keyring = add_generated_master_key(settings)
    rt = Runtime.open(settings)
    try:
        with rt.use_case(OPERATOR, "keys.rotate", "keyring", keyring.active_kid) as uc:
            count = Vault(uc.db, keyring).rewrap_all()
            uc.reason = f"{count} data keys re-wrapped"
    finally:
        rt.close()
    retire_master_keys(settings, keep=keyring.active_kid)
    return keyring.active_kid, count
