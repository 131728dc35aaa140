import sqlalchemy as sa
from alembic import op

revision, down_revision = "0003", "0002"


def upgrade():
    op.drop_constraint("authors_name_key", "authors", type_="unique")
    op.create_index("authors_name_live", "authors", ["name"], unique=True,
                    postgresql_where=sa.text("deleted_at IS NULL"))
