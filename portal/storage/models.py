"""Every table, imported here so create_all sees them all. Feature packages own their models' modules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import AccountSession, Resident, SignInAttempt  # noqa: F401  (create_all sees them)
from portal.search.models import SearchClickCount, SearchQueryCount

from .db import Base

__all__ = ["Base", "SearchClickCount", "SearchQueryCount", "StartClick"]


class StartClick(Base):
    """Anonymous count of residents who pressed Start on a service, per day (no IP, no account)."""

    __tablename__ = "start_clicks"

    service_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


from portal.submissions import models as _submissions  # noqa: E402,F401  (hosted forms, outbox)
