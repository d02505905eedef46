"""What residents searched for, counted per day: no IP, no account, no time of day, no per-search rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.storage import Base

QUERY_CHARS = 100


class SearchQueryCount(Base):
    """How often a (normalized, truncated) query was searched on a day, how often it found nothing, and how
    often a resident then chose one of its results."""

    __tablename__ = "search_queries"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)
    query: Mapped[str] = mapped_column(String(QUERY_CHARS), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class SearchClickCount(Base):
    """Which result residents chose for a query, per day."""

    __tablename__ = "search_clicks"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)
    query: Mapped[str] = mapped_column(String(QUERY_CHARS), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
