"""Field-level encryption with a data key per patient, wrapped by the master key.

Every protected column is sealed with its owner's data key and bound to its table, column
and row, so a ciphertext copied to another row or column fails to open. Erasing a patient
destroys their data key (crypto-shredding); ``keys rotate`` re-wraps data keys cheaply.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from mindway.security import crypto
from mindway.security.keys import Keyring
from mindway.store.models import DataKey
from mindway.store.types import utcnow

SYSTEM_OWNER = "system"


class KeyDestroyed(crypto.DecryptionError):
    """The value was sealed with a data key that has been destroyed (erased patient)."""


class HasId(Protocol):
    __tablename__: str
    id: uuid.UUID


def _field_context(table: str, column: str, row_id: uuid.UUID) -> bytes:
    return f"{table}/{column}/{row_id}".encode()


def _key_context(key_id: uuid.UUID, owner: str) -> bytes:
    return f"data_key/{key_id}/{owner}".encode()


class Vault:
    """Seals and opens fields within one database session."""

    def __init__(self, db: Session, keyring: Keyring) -> None:
        self._db = db
        self._keyring = keyring
        self._plain: dict[uuid.UUID, bytes] = {}

    def _owner_key(self, owner: str) -> tuple[uuid.UUID, bytes]:
        row = self._db.scalars(
            select(DataKey)
            .where(DataKey.owner == owner, DataKey.destroyed_at.is_(None))
            .order_by(DataKey.created_at.desc())
            .limit(1)
        ).first()
        if row is None:
            row = DataKey(id=uuid.uuid4(), owner=owner)
            plain = crypto.new_key()
            row.kek_id = self._keyring.active_kid
            row.wrapped = crypto.seal(
                self._keyring.master_key(row.kek_id),
                row.kek_id,
                plain,
                _key_context(row.id, owner),
            )
            self._db.add(row)
            self._db.flush()
            self._plain[row.id] = plain
        return row.id, self._unwrap(row)

    def _unwrap(self, row: DataKey) -> bytes:
        if row.id in self._plain:
            return self._plain[row.id]
        if row.wrapped is None or row.kek_id is None:
            raise KeyDestroyed("this value's data key has been destroyed")
        plain = crypto.open_sealed(
            self._keyring.master_key(row.kek_id), row.wrapped, _key_context(row.id, row.owner)
        )
        self._plain[row.id] = plain
        return plain

    def seal(self, owner: str, table: str, column: str, row_id: uuid.UUID, value: str) -> str:
        key_id, key = self._owner_key(owner)
        return crypto.seal(
            key, key_id.hex, value.encode("utf-8"), _field_context(table, column, row_id)
        )

    def open(self, table: str, column: str, row_id: uuid.UUID, sealed: str) -> str:
        try:
            key_id = uuid.UUID(hex=crypto.sealed_key_id(sealed))
        except ValueError as exc:
            raise crypto.DecryptionError("sealed value names no valid key id") from exc
        row = self._db.get(DataKey, key_id)
        if row is None:
            raise KeyDestroyed("this value's data key no longer exists")
        plain = crypto.open_sealed(self._unwrap(row), sealed, _field_context(table, column, row_id))
        return plain.decode("utf-8")

    def seal_field(self, owner: str, row: HasId, column: str, value: str | None) -> str | None:
        """Seal ``value`` for ``row.<column>_enc``; ``None`` stays ``None``."""
        if value is None:
            return None
        return self.seal(owner, row.__tablename__, column, row.id, value)

    def open_field(self, row: HasId, column: str) -> str | None:
        sealed = getattr(row, f"{column}_enc")
        if sealed is None:
            return None
        assert isinstance(sealed, str)
        return self.open(row.__tablename__, column, row.id, sealed)

    def destroy(self, owner: str) -> int:
        """Destroy every data key of ``owner``; returns how many were destroyed."""
        rows = self._db.scalars(
            select(DataKey).where(DataKey.owner == owner, DataKey.destroyed_at.is_(None))
        ).all()
        for row in rows:
            row.wrapped = None
            row.kek_id = None
            row.destroyed_at = utcnow()
            self._plain.pop(row.id, None)
        self._db.flush()
        return len(rows)

    def rewrap_all(self) -> int:
        """Re-wrap every live data key under the active master key; returns the count."""
        rows = self._db.scalars(select(DataKey).where(DataKey.destroyed_at.is_(None))).all()
        active = self._keyring.active_kid
        for row in rows:
            plain = self._unwrap(row)
            row.wrapped = crypto.seal(
                self._keyring.master_key(active), active, plain, _key_context(row.id, row.owner)
            )
            row.kek_id = active
        self._db.flush()
        return len(rows)
