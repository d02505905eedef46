"""The database: the one source of truth. SQLite by default, PostgreSQL at scale, same code."""

from __future__ import annotations

from .db import Base, Database

__all__ = ["Base", "Database"]
