"""Key rotation: re-wrap every data key under a new master key (cheap: no field re-encrypted).

Old master keys stay in the keyring after a rotation: a server started before it still
wraps new data keys with the old key until it restarts. ``keys retire`` drops the ones no
data key uses any more, once every server runs with the new keyring.
"""

from __future__ import annotations

from sqlalchemy import select

from mindway.config import Settings
from mindway.security.keys import add_generated_master_key, load_keyring, retire_master_keys
from mindway.security.policy import OPERATOR
from mindway.security.vault import Vault
from mindway.services.runtime import Runtime
from mindway.store.models import DataKey


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
    return keyring.active_kid, count


def retire(settings: Settings) -> tuple[list[str], list[str]]:
    """Drop generated master keys that wrap no data key; returns (kept, retired) key ids.

    With keys from MINDWAY_MASTER_KEYS nothing is written: the retired ids are the ones the
    operator may remove from the environment.
    """
    rt = Runtime.open(settings)
    try:
        with rt.use_case(OPERATOR, "keys.retire", "keyring", rt.keyring.active_kid) as uc:
            used = set(uc.db.scalars(select(DataKey.kek_id).where(DataKey.kek_id.is_not(None))))
            kept = [k for k in rt.keyring.master_keys if k == rt.keyring.active_kid or k in used]
            retired = [k for k in rt.keyring.master_keys if k not in kept]
            uc.reason = f"{len(retired)} master keys unused"
    finally:
        rt.close()
    retire_master_keys(settings, keep=kept)
    return kept, retired
