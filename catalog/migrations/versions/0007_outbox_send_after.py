"""outbox: a notification may wait until a given time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:30:00

``outbox.send_after``: not sent before this time (NULL: at once). A buyer's "your order has
been shipped" waits out the staff's ten minutes of /undo, so an undone /ship never reaches the
buyer; the sender's query skips rows still waiting. Existing rows are sent as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_after", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("send_after")
