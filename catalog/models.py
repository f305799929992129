"""Typed SQLAlchemy models of the catalog: jails, products, customers, orders, staff, ledger.

Money is always an integer in the currency's minor unit (paise, pence, cents).
The schema itself is created only by the Alembic migrations in ``catalog/migrations``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True)}


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Role(enum.StrEnum):
    STAFF = "staff"
    ADMIN = "admin"


class Jail(Base):
    __tablename__ = "jails"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    town: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(100))  # state or province
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166 alpha-2
    programme: Mapped[str] = mapped_column(String(200))
    wage_share_percent: Mapped[int | None] = mapped_column(Integer)
    # Payment methods the jail's department accepts, comma-separated in the order buyers see
    # them (cod, payment_link, upi_qr, telegram_invoice, manual); None until someone sets them.
    payment_methods: Mapped[str | None] = mapped_column(String(100))
    upi_vpa: Mapped[str | None] = mapped_column(String(100))  # merchant UPI ID, for upi_qr
    upi_payee: Mapped[str | None] = mapped_column(String(100))  # the name UPI apps show
    manual_details: Mapped[str | None] = mapped_column(Text)  # where to transfer, for manual

    products: Mapped[list[Product]] = relationship(back_populates="jail")
    # Where the jail sends parcels and what it charges (``catalog.shipping`` reads and edits them).
    shipping_rates: Mapped[list[ShippingRate]] = relationship(
        back_populates="jail", lazy="selectin", cascade="all, delete-orphan",
        order_by="ShippingRate.zone",
    )  # fmt: skip


class ShippingRate(Base):
    """One shipping zone of a jail: the countries in it and the fee per parcel (one order).

    ``countries`` is comma-separated ISO 3166 alpha-2 codes, or ``*`` for every country no other
    zone of the jail names. Hard rules in ``catalog.shipping`` still apply on top (nothing
    between India and Pakistan, food only within the jail's own country).
    """

    __tablename__ = "shipping_rates"
    __table_args__ = (UniqueConstraint("jail_id", "zone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jail_id: Mapped[int] = mapped_column(ForeignKey("jails.id", ondelete="CASCADE"), index=True)
    zone: Mapped[str] = mapped_column(String(32))
    countries: Mapped[str] = mapped_column(Text)
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    free_above_minor: Mapped[int | None] = mapped_column(BigInteger)  # goods total, same currency

    jail: Mapped[Jail] = relationship(back_populates="shipping_rates")


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    jail_id: Mapped[int] = mapped_column(ForeignKey("jails.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_hi: Mapped[str | None] = mapped_column(String(200))
    name_ur: Mapped[str | None] = mapped_column(String(200))
    keywords: Mapped[str] = mapped_column(Text, default="")  # comma-separated, any language
    category: Mapped[str] = mapped_column(String(50), index=True)
    craft: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=2)
    marks: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    photo: Mapped[str | None] = mapped_column(String(500))
    perishable: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)  # made to order when > 0
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Variants (``catalog.variants``): a size or colour is a product of its own, a child of the
    # product buyers see, with SKU ``PARENT/VALUE``; the parent's stock is its children's sum.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    variant: Mapped[str | None] = mapped_column(String(50))  # a child's value: "9", "Red"
    variant_kind: Mapped[str | None] = mapped_column(String(16))  # a parent's: size, colour

    jail: Mapped[Jail] = relationship(back_populates="products", lazy="joined")
    parent: Mapped[Product | None] = relationship(remote_side="Product.id")


class ProductTerm(Base):
    """One normalised search term of a product; the search index, kept by ``catalog.search``."""

    __tablename__ = "product_terms"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    weight: Mapped[int] = mapped_column(Integer)
    # Copies of the product's sort keys, kept in step by a trigger on ``products`` (migration
    # 0002), so one word's matches are read in ranking order from ``ix_product_terms_rank``.
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the buyer's country filter needs (migration 0008): the product's jail and whether
    # it is food (``shipping.is_food``), so ``SearchFilters(ship_to=...)`` is checked on the
    # index rows themselves. Written with the rows, kept by a trigger on ``products``.
    jail_id: Mapped[int] = mapped_column(Integer, default=0)
    food: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index(
            "ix_product_terms_rank",
            "term",
            "active",
            text("weight DESC"),
            text("in_stock DESC"),
            "price_minor",
            "product_id",
            # not for ordering (product_id is unique per term): the filters read them from
            # the index without visiting the table
            "jail_id",
            "food",
        ),
        Index("ix_product_terms_product_term", "product_id", "term", "weight"),
    )


# Browsing without words: products in (category, price) order.
Index("ix_products_browse", Product.category, Product.price_minor, Product.id)
# Only variants have a parent, so the index holds only them (migration 0006): a parent_id lookup
# uses it, and "parent_id IS NULL" (every search and browse) cannot be steered onto it.
Index(
    "ix_products_parent_id",
    Product.parent_id,
    postgresql_where=Product.parent_id.is_not(None),
    sqlite_where=Product.parent_id.is_not(None),
)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64), unique=True)  # pseudonym Rasa sees
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(64))
    last_inbound_at: Mapped[datetime | None] = mapped_column()


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    jail_id: Mapped[int] = mapped_column(ForeignKey("jails.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.PLACED)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    payment_method: Mapped[str] = mapped_column(String(16), default="cod")
    ship_name: Mapped[str | None] = mapped_column(String(200))
    ship_phone: Mapped[str | None] = mapped_column(String(32))
    ship_address: Mapped[str | None] = mapped_column(Text)
    ship_postal_code: Mapped[str | None] = mapped_column(String(16))
    ship_country: Mapped[str | None] = mapped_column(String(64))
    tracking: Mapped[str | None] = mapped_column(String(100))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Payment: the buyer pays total_minor + shipping_minor; an online payment is due by
    # payment_due_at (reminded once at reminded_at), else the order is cancelled.
    shipping_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    payment_due_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", lazy="selectin", cascade="all, delete-orphan"
    )
    customer: Mapped[Customer] = relationship(lazy="joined")
    jail: Mapped[Jail] = relationship(lazy="joined")


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    variant: Mapped[str | None] = mapped_column(String(50))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8), default=Role.STAFF)
    jail_id: Mapped[int | None] = mapped_column(ForeignKey("jails.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    jail: Mapped[Jail | None] = relationship(lazy="joined")


class StockMove(Base):
    """Append-only stock ledger: every change of a product's stock writes one row."""

    __tablename__ = "stock_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    stock_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))  # "staff:12", "customer:7", "cli"
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEntry(Base):
    """Append-only record of every change that is not a stock move (price, visibility, status)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(200))
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class IdempotencyKey(Base):
    """A request that must take effect once: the key and the result it produced."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangeRate(Base):
    """How many units of ``currency`` one unit of ``base`` buys; set by staff."""

    __tablename__ = "exchange_rates"

    base: Mapped[str] = mapped_column(String(3), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Notification(Base):
    """Transactional outbox: a message to a buyer or a staff member, written in the same
    transaction as the change it reports, and sent by the web app afterwards."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # new_order, shipped, cancelled, low_stock, ...
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # not sent before this time (None: at once): a buyer's "shipped" waits out the staff's
    # /undo window, so an undone /ship never reaches the buyer (catalog.outbox.SHIPPED_HOLD)
    send_after: Mapped[datetime | None] = mapped_column(default=None)

    customer: Mapped[Customer | None] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship(lazy="joined")


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # link, QR, invoice or details sent; nothing received yet
    CLAIMED = "claimed"  # the buyer sent a UPI reference; staff have not checked it
    PAID = "paid"  # money received (it may still be due back: see ``refund_due``)
    MISMATCH = "mismatch"  # money received, but not the amount or currency of the order
    EXPIRED = "expired"  # the gateway's link expired unpaid
    CANCELLED = "cancelled"  # withdrawn by us (order expired or cancelled) before payment
    REFUNDED = "refunded"


class Payment(Base):
    """One attempt to pay for an order, and what came of it.

    ``external_id`` is the provider's handle on the attempt (a Razorpay link id, a UPI UTR, a
    Telegram invoice payload); ``charge_id`` its id of the money that moved (Razorpay's pay_...,
    Telegram's telegram_payment_charge_id). Both are unique per provider, so a payment counts once.
    """

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("provider", "external_id"),
        UniqueConstraint("provider", "charge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # payment_link, upi_qr, telegram_invoice...
    provider: Mapped[str] = mapped_column(String(16))  # razorpay, upi, telegram, manual, cod
    external_id: Mapped[str | None] = mapped_column(String(128))
    charge_id: Mapped[str | None] = mapped_column(String(128))
    provider_charge_id: Mapped[str | None] = mapped_column(String(128))
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # what was asked, then what was paid
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.PENDING, index=True)
    url: Mapped[str | None] = mapped_column(Text)
    refund_due: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column()
    refunded_at: Mapped[datetime | None] = mapped_column()

    order: Mapped[Order] = relationship()  # loaded on use: rows here are locked FOR UPDATE
