"""Alembic environment: always run in-process on a connection Permanence opened.

Every upgrade runs in the caller's single transaction (SQLite has transactional DDL),
so a failed step leaves the database as it was.
"""

from alembic import context

from app.models import Base
from app.storage.migrations.naming import include_object

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run only through app.storage.migrate on an open connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transactional_ddl=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
