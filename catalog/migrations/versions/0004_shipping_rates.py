"""shipping rates: per jail, the zones it ships to and the fee per parcel in each

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:00:00

Shipping was two constants in the action server (₹80 within India, ₹1,500 abroad). Each jail
now has zones: the countries in the zone (ISO codes, or ``*`` for the rest of the world) and
the fee per parcel in the jail's currency. Existing jails get today's values: Indian jails ₹80
at home and ₹1,500 to every abroad zone; Pakistani jails PKR 250 at home, PKR 4,500 to the Gulf
and PKR 5,000 elsewhere. (The hard rules, nothing between India and Pakistan and food only at
home, are code in ``catalog.shipping``, not rows.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GULF = "AE,SA,QA,KW,OM,BH"
SOUTH_ASIA = "NP,BD,LK,BT,MV"
# (zone, countries, fee in minor units, currency) by the jail's country; frozen copy of the
# defaults of this revision (catalog.shipping.DEFAULT_ZONES may change later).
DEFAULTS = {
    "IN": [
        ("domestic", "IN", 8_000, "INR"),
        ("south_asia", SOUTH_ASIA, 150_000, "INR"),
        ("gulf", GULF, 150_000, "INR"),
        ("world", "*", 150_000, "INR"),
    ],
    "PK": [
        ("domestic", "PK", 25_000, "PKR"),
        ("gulf", GULF, 450_000, "PKR"),
        ("world", "*", 500_000, "PKR"),
    ],
}


def upgrade() -> None:
    rates = op.create_table(
        "shipping_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jail_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("countries", sa.Text(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("free_above_minor", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["jail_id"], ["jails.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("jail_id", "zone"),
    )
    with op.batch_alter_table("shipping_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipping_rates_jail_id"), ["jail_id"], unique=False)
    conn = op.get_bind()
    jails = conn.execute(sa.text("SELECT id, country FROM jails")).all()
    rows = [
        {"jail_id": jail_id, "zone": zone, "countries": countries, "fee_minor": fee,
         "currency": currency, "free_above_minor": None}
        for jail_id, country in jails
        for zone, countries, fee, currency in DEFAULTS.get(country, [])
    ]  # fmt: skip
    if rows:
        op.bulk_insert(rates, rows)


def downgrade() -> None:
    with op.batch_alter_table("shipping_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipping_rates_jail_id"))
    op.drop_table("shipping_rates")
