import sqlalchemy as sa
from alembic import op

revision, down_revision = "0002", "0001"


def upgrade():
    op.add_column("authors", sa.Column("deleted_at", sa.DateTime(timezone=True)))
