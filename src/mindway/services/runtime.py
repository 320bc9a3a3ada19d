"""The process-wide pieces every use case needs, and the audited unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mindway.config import Settings
from mindway.errors import Forbidden, MindwayError, NotFound
from mindway.security import audit as audit_chain
from mindway.security.keys import Keyring, load_keyring
from mindway.security.policy import Actor
from mindway.security.vault import Vault
from mindway.store import db as store


class OutOfScope(NotFound):
    """The policy denied access to an object; answered as 404, audited as a denial."""


@dataclass
class Runtime:
    settings: Settings
    keyring: Keyring
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Runtime:
        """Load keys, connect, and (by default) bring the schema up to date."""
        keyring = load_keyring(settings)
        engine = store.make_engine(settings.sqlalchemy_url)
        if migrate:
            store.upgrade(engine)
        return cls(settings, keyring, engine, store.make_sessionmaker(engine))

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
