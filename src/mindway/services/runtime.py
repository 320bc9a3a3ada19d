"""The process-wide pieces every use case needs, and the audited unit of work."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from mindway.config import Settings
from mindway.errors import ConfigurationError, Forbidden, MindwayError, NotFound
from mindway.security import audit as audit_chain
from mindway.security.keys import Keyring, VapidKey, load_keyring, load_vapid_key
from mindway.security.policy import Actor
from mindway.security.vault import Vault
from mindway.store import db as store
from mindway.store.models import DataKey

log = logging.getLogger("mindway")


class OutOfScope(NotFound):
    """The policy denied access to an object; answered as 404, audited as a denial."""


@dataclass
class Runtime:
    settings: Settings
    keyring: Keyring
    engine: Engine
    sessions: sessionmaker[Session]
    vapid: VapidKey | None = None  # Web Push signing key; None: push reminders are off

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Runtime:
        """Load keys, connect, and (by default) bring the schema up to date."""
        keyring = load_keyring(settings)
        vapid = load_vapid_key(settings)
        engine = store.make_engine(settings.sqlalchemy_url)
        if migrate:
            store.upgrade(engine)
        runtime = cls(settings, keyring, engine, store.make_sessionmaker(engine), vapid)
        if migrate:
            runtime.check_keys()
        return runtime

    def check_keys(self) -> None:
        """Refuse a keyring that cannot open this store (e.g. a lost keys folder replaced by new
        keys): writing on would mix data under keys nobody can read back together."""
        with self.transaction() as db:
            used = set(db.scalars(select(DataKey.kek_id).where(DataKey.kek_id.is_not(None))))
            if not audit_chain.head_is_signed_by(db, self.keyring.secret_key):
                log.warning(
                    "the newest audit row does not match the secret key: run "
                    "'mindway audit verify' (wrong MINDWAY_SECRET_KEY, or tampering)"
                )
        missing = sorted(str(kid) for kid in used - set(self.keyring.master_keys))
        if missing:
            raise ConfigurationError(
                f"this store's data keys are wrapped by master key(s) {', '.join(missing)}, which "
                "are not in the keyring: restore the keys folder from backup or set "
                "MINDWAY_MASTER_KEYS"
            )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with store.transaction(self.sessions) as session:
            yield session

    def audit(self, db: Session, record: audit_chain.AuditRecord) -> None:
        audit_chain.append(db, self.keyring.secret_key, record)

    @contextmanager
    def use_case(
        self,
        actor: Actor | None,
        action: str,
        resource_type: str | None = None,
        resource_id: uuid.UUID | str | None = None,
    ) -> Iterator[UseCase]:
        """One transaction with exactly one audit event, on success and on failure alike."""
        uc = UseCase(self, actor, action, resource_type, _str(resource_id))
        session = self.sessions()
        uc.db = session
        uc.vault = Vault(session, self.keyring)
        try:
            yield uc
            self.audit(session, uc.record("success", uc.reason))
            session.commit()
        except MindwayError as exc:
            session.rollback()
            outcome = "denied" if isinstance(exc, (OutOfScope, Forbidden)) else "failure"
            self._audit_alone(uc.record(outcome, uc.failure_reason or type(exc).__name__))
            raise
        except BaseException:
            session.rollback()
            self._audit_alone(uc.record("failure", "internal error"))
            raise
        finally:
            session.close()

    def _audit_alone(self, record: audit_chain.AuditRecord) -> None:
        with self.transaction() as session:
            self.audit(session, record)


def _str(value: uuid.UUID | str | None) -> str | None:
    return None if value is None else str(value)


@dataclass
class UseCase:
    """What a service function works with inside :meth:`Runtime.use_case`."""

    runtime: Runtime
    actor: Actor | None
    action: str
    resource_type: str | None
    resource_id: str | None
    reason: str | None = None
    failure_reason: str | None = None
    db: Session = field(init=False)
    vault: Vault = field(init=False)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def record(self, outcome: str, reason: str | None) -> audit_chain.AuditRecord:
        return audit_chain.AuditRecord(
            action=self.action,
            outcome=outcome,
            actor_id=self.actor.audit_id if self.actor else None,
            actor_role=str(self.actor.role) if self.actor else None,
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            reason=reason,
        )

    def about(self, resource_id: uuid.UUID | str) -> None:
        """Name the object once it is known (e.g. after creating it)."""
        self.resource_id = str(resource_id)
