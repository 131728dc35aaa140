"""Alembic environment of the migration test (tests/integration/test_migrations.py): online
migrations on $TOMBSTONE_URL (through the proxy), each revision in its own transaction."""
import os

from alembic import context
from sqlalchemy import create_engine

engine = create_engine(os.environ["TOMBSTONE_URL"])
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
