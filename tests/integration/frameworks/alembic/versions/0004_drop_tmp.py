import sqlalchemy as sa
from alembic import op

revision, down_revision = "0004", "0003"


def upgrade():
    authors = sa.table("authors", sa.column("name"))
    op.execute(authors.delete().where(authors.c.name.like("tmp%")))
