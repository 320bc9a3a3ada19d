"""Persistence: SQLAlchemy 2.x models, engine set-up and Alembic migrations.

The embedded default is a SQLite file in the data directory (WAL, busy timeout);
production uses PostgreSQL through ``MINDWAY_DATABASE_URL``.
"""
