"""Account display names, sealed like other personal data.

Being a patient of a mental health service is itself health information, so an account's
name is encrypted: a patient's under their own data key (erasure destroys it), staff names
under the system key.
"""

from __future__ import annotations

from mindway.security.vault import SYSTEM_OWNER, Vault
from mindway.store.models import Account

ERASED_NAME = "Erased patient"


def owner_of(account: Account) -> str:
    return str(account.patient_id) if account.patient_id is not None else SYSTEM_OWNER


def set_name(vault: Vault, account: Account, name: str) -> None:
    account.display_name_enc = vault.seal_field(owner_of(account), account, "display_name", name)


def name_of(vault: Vault, account: Account) -> str:
    try:
        return vault.open_field(account, "display_name") or ERASED_NAME
    except Exception:  # a destroyed key: the person was erased
        return ERASED_NAME
