"""Envelope encryption: one data key per patient, wrapped by the master key, on both backends."""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import select

from mindway.errors import ConfigurationError
from mindway.security import crypto
from mindway.security.keys import Keyring
from mindway.security.vault import KeyDestroyed, Vault
from mindway.services.runtime import Runtime
from mindway.store.models import DataKey

ALICE, BOB = str(uuid.uuid4()), str(uuid.uuid4())
ROW_A, ROW_B = uuid.uuid4(), uuid.uuid4()


def _seal_some(rt: Runtime) -> dict[str, str]:
    with rt.transaction() as db:
        vault = Vault(db, rt.keyring)
        return {
            "alice_given": vault.seal(ALICE, "patient", "given_name", ROW_A, "Alice"),
            "alice_family": vault.seal(ALICE, "patient", "family_name", ROW_A, "Archer"),
            "alice_note": vault.seal(ALICE, "clinical_note", "body", ROW_A, "Zanzibar"),
            "bob_given": vault.seal(BOB, "patient", "given_name", ROW_B, "Bob"),
        }


def _open(rt: Runtime, keyring: Keyring, table: str, column: str, row: uuid.UUID, s: str) -> str:
    with rt.transaction() as db:
        return Vault(db, keyring).open(table, column, row, s)


def test_one_data_key_per_patient(rt: Runtime) -> None:
    sealed = _seal_some(rt)
    with rt.transaction() as db:
        keys = db.scalars(select(DataKey)).all()
    assert sorted(k.owner for k in keys) == sorted([ALICE, BOB])
    by_owner = {k.owner: k.id.hex for k in keys}
    for name in ("alice_given", "alice_family", "alice_note"):
        assert crypto.sealed_key_id(sealed[name]) == by_owner[ALICE]
    assert crypto.sealed_key_id(sealed["bob_given"]) == by_owner[BOB]
    # A later session reuses the same key rather than making another one.
    with rt.transaction() as db:
        again = Vault(db, rt.keyring).seal(ALICE, "patient", "sex", ROW_A, "female")
    assert crypto.sealed_key_id(again) == by_owner[ALICE]
    with rt.transaction() as db:
        assert len(db.scalars(select(DataKey)).all()) == 2


def test_data_keys_are_stored_wrapped_by_the_master_key(rt: Runtime) -> None:
    sealed = _seal_some(rt)
    with rt.transaction() as db:
        row = db.scalars(select(DataKey).where(DataKey.owner == ALICE)).one()
    assert row.kek_id == rt.keyring.active_kid
    assert row.wrapped is not None
    assert crypto.sealed_key_id(row.wrapped) == rt.keyring.active_kid
    master = rt.keyring.master_key(rt.keyring.active_kid)
    plain = crypto.open_sealed(master, row.wrapped, f"data_key/{row.id}/{ALICE}".encode())
    assert len(plain) == 32
    # The stored text does not contain the raw key in any common encoding...
    for encoded in (
        base64.b64encode(plain).decode(),
        base64.urlsafe_b64encode(plain).decode().rstrip("="),
        plain.hex(),
    ):
        assert encoded[:16] not in row.wrapped
    # ...yet the unwrapped key is the one that sealed Alice's values.
    ad = f"patient/given_name/{ROW_A}".encode()
    assert crypto.open_sealed(plain, sealed["alice_given"], ad) == b"Alice"
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(crypto.new_key(), row.wrapped, f"data_key/{row.id}/{ALICE}".encode())


def test_a_wrapped_key_moved_to_another_key_row_does_not_open(rt: Runtime) -> None:
    sealed = _seal_some(rt)
    with rt.transaction() as db:
        alice = db.scalars(select(DataKey).where(DataKey.owner == ALICE)).one()
        bob = db.scalars(select(DataKey).where(DataKey.owner == BOB)).one()
        bob.wrapped = alice.wrapped
    with pytest.raises(crypto.DecryptionError):
        _open(rt, rt.keyring, "patient", "given_name", ROW_B, sealed["bob_given"])


def test_a_value_is_bound_to_its_table_column_and_row(rt: Runtime) -> None:
    sealed = _seal_some(rt)
    given = sealed["alice_given"]
    assert _open(rt, rt.keyring, "patient", "given_name", ROW_A, given) == "Alice"
    for table, column, row in (
        ("patient", "given_name", ROW_B),
        ("patient", "family_name", ROW_A),
        ("clinical_note", "given_name", ROW_A),
    ):
        with pytest.raises(crypto.DecryptionError):
            _open(rt, rt.keyring, table, column, row, given)


def test_values_that_name_no_key_do_not_open(rt: Runtime) -> None:
    _seal_some(rt)
    with pytest.raises(crypto.DecryptionError):
        _open(rt, rt.keyring, "patient", "given_name", ROW_A, "mw1.notauuid.AAAA")
    with pytest.raises(KeyDestroyed):
        _open(rt, rt.keyring, "patient", "given_name", ROW_A, f"mw1.{uuid.uuid4().hex}.AAAA")


def test_destroy_makes_one_patients_values_unreadable(rt: Runtime) -> None:
    """Crypto-shredding: erasing the data key erases every copy of the values (GDPR Art. 17)."""
    sealed = _seal_some(rt)
    with rt.transaction() as db:
        vault = Vault(db, rt.keyring)
        assert vault.open("patient", "given_name", ROW_A, sealed["alice_given"]) == "Alice"
        assert vault.destroy(ALICE) == 1
        with pytest.raises(KeyDestroyed):  # the same vault forgets its cached key too
            vault.open("patient", "given_name", ROW_A, sealed["alice_given"])
    for name, column in (("alice_given", "given_name"), ("alice_family", "family_name")):
        with pytest.raises(KeyDestroyed):
            _open(rt, rt.keyring, "patient", column, ROW_A, sealed[name])
    with pytest.raises(KeyDestroyed):
        _open(rt, rt.keyring, "clinical_note", "body", ROW_A, sealed["alice_note"])
    assert _open(rt, rt.keyring, "patient", "given_name", ROW_B, sealed["bob_given"]) == "Bob"
    with rt.transaction() as db:
        row = db.scalars(select(DataKey).where(DataKey.owner == ALICE)).one()
        assert row.wrapped is None and row.kek_id is None and row.destroyed_at is not None
        assert Vault(db, rt.keyring).destroy(ALICE) == 0


def test_rewrap_under_a_new_master_key_retires_the_old_one(rt: Runtime) -> None:
    sealed = _seal_some(rt)
    old_kid = rt.keyring.active_kid
    new_key = crypto.new_key()
    both = Keyring(
        {"knew": new_key, **rt.keyring.master_keys}, "knew", rt.keyring.secret_key, False
    )
    only_new = Keyring({"knew": new_key}, "knew", rt.keyring.secret_key, False)
    # Before re-wrapping, the new key alone cannot open anything.
    with pytest.raises(ConfigurationError, match=old_kid):
        _open(rt, only_new, "patient", "given_name", ROW_A, sealed["alice_given"])
    with rt.transaction() as db:
        assert Vault(db, both).rewrap_all() == 2
    with rt.transaction() as db:
        assert {k.kek_id for k in db.scalars(select(DataKey))} == {"knew"}
    assert _open(rt, only_new, "patient", "given_name", ROW_A, sealed["alice_given"]) == "Alice"
    assert _open(rt, only_new, "clinical_note", "body", ROW_A, sealed["alice_note"]) == "Zanzibar"
    assert _open(rt, only_new, "patient", "given_name", ROW_B, sealed["bob_given"]) == "Bob"
    # The old master key alone no longer opens the re-wrapped keys.
    with pytest.raises(ConfigurationError, match="knew"):
        _open(rt, rt.keyring, "patient", "given_name", ROW_A, sealed["alice_given"])


def test_rewrap_skips_destroyed_keys(rt: Runtime) -> None:
    sealed = _seal_some(rt)
    with rt.transaction() as db:
        Vault(db, rt.keyring).destroy(ALICE)
    new = Keyring(
        {"knew": crypto.new_key(), **rt.keyring.master_keys}, "knew", rt.keyring.secret_key, False
    )
    with rt.transaction() as db:
        assert Vault(db, new).rewrap_all() == 1
    with pytest.raises(KeyDestroyed):
        _open(rt, new, "patient", "given_name", ROW_A, sealed["alice_given"])
    assert _open(rt, new, "patient", "given_name", ROW_B, sealed["bob_given"]) == "Bob"
