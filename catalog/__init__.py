"""The catalog, orders and staff: the domain and all its SQL (``catalog.db`` and below)."""

DEFAULT_DATABASE_URL = "sqlite:///var/kaarigar.db"  # here, so settings need not import SQLAlchemy
