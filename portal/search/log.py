"""What residents could not find: anonymous, aggregated counts of queries, empty results and clicks.

Nothing that identifies a person is kept: no IP address, no account, no cookie, no time of day, not even one row
per search. Queries are lowercased, cut to 100 characters, and anything that looks like an email address or an
identifying number (a case number, a phone number, a social security number) is replaced before counting.
Counts are gathered in memory and written by a background thread every few seconds, so a search never waits on
the database.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from portal.storage import Database

from .models import QUERY_CHARS, SearchClickCount, SearchQueryCount

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"\S+@\S+")
_NUMBER = re.compile(r"\d[\d\s().\-/]{3,}\d")  # digits with separators: case, phone, social security numbers
_SPACES = re.compile(r"\s+")

QueryKey = tuple[dt.date, str, str]
ClickKey = tuple[dt.date, str, str, str]


def log_text(query: str) -> str:
    """The form of a query that is counted: no personal data, lowercased, at most 100 characters."""
    text = _EMAIL.sub("[email]", query)
    text = _NUMBER.sub(_redact_number, text)
    return _SPACES.sub(" ", text).strip().casefold()[:QUERY_CHARS].strip()


def _redact_number(match: re.Match[str]) -> str:
    """Five digits or more written together (2024-000123), or seven or more across spaces (555 010 0199), may
    identify someone; shorter ones are form names and years ("w-2 1040")."""
    run = match.group()
    digits = sum(c.isdigit() for c in run)
    return "[number]" if digits >= (7 if any(c.isspace() for c in run) else 5) else run


class SearchLog:
    def __init__(self, db: Database, *, enabled: bool = True, flush_seconds: float = 10.0) -> None:
        self.db = db
        self.enabled = enabled
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._searches: Counter[QueryKey] = Counter()
        self._zero: Counter[QueryKey] = Counter()
        self._clicks: Counter[ClickKey] = Counter()
        self._flusher: threading.Thread | None = None
        if enabled:
            atexit.register(self.flush)

    def searched(self, locale: str, query: str, total: int, *, today: dt.date | None = None) -> None:
        text = log_text(query)
        if not self.enabled or not text:
            return
        key = (today or dt.date.today(), locale, text)
        with self._lock:
            self._searches[key] += 1
            if total == 0:
                self._zero[key] += 1
        self._maybe_flush()

    def clicked(self, locale: str, query: str, service_id: str, *, today: dt.date | None = None) -> None:
        text = log_text(query)
        if not self.enabled or not text:
            return
        with self._lock:
            self._clicks[(today or dt.date.today(), locale, text, service_id)] += 1
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if self.flush_seconds <= 0:
            self.flush()
        elif self._flusher is None:
            with self._lock:
                if self._flusher is None:  # writes happen off the request path: a search never waits on them
                    self._flusher = threading.Thread(target=self._flush_every, name="search-log", daemon=True)
                    self._flusher.start()

    def _flush_every(self) -> None:
        while True:
            time.sleep(self.flush_seconds)
            self.flush()

    def flush(self) -> None:
        """Write the counts gathered so far. Counting must never fail a search: errors are logged, counts kept."""
        with self._lock:
            searches, zero, clicks = self._searches, self._zero, self._clicks
            self._searches, self._zero, self._clicks = Counter(), Counter(), Counter()
        if not (searches or clicks):
            return
        try:
            self._write(searches, zero, clicks)
        except Exception:
            log.exception("could not write search counts; keeping them for the next try")
            with self._lock:
                self._searches.update(searches)
                self._zero.update(zero)
                self._clicks.update(clicks)

    def _write(self, searches: Counter[QueryKey], zero: Counter[QueryKey], clicks: Counter[ClickKey]) -> None:
        """One upsert per table (INSERT ... ON CONFLICT DO UPDATE, executed for every row at once): counting a
        thousand queries one UPDATE at a time held a worker for over a second every flush."""
        per_query: Counter[QueryKey] = Counter()
        for (day, locale, text, _service), n in clicks.items():
            per_query[(day, locale, text)] += n
        queries = [
            {
                "day": day,
                "locale": locale,
                "query": text,
                "searches": searches[key],
                "zero_results": zero[key],
                "clicks": per_query[key],
            }
            for key in sorted(set(searches) | set(per_query))
            for day, locale, text in (key,)
        ]
        chosen = [
            {"day": day, "locale": locale, "query": text, "service_id": service_id, "clicks": n}
            for (day, locale, text, service_id), n in sorted(clicks.items())
        ]
        with self.db.session() as session:
            if queries:
                stmt = self.db.insert(SearchQueryCount)
                session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["day", "locale", "query"],
                        set_={
                            "searches": SearchQueryCount.searches + stmt.excluded.searches,
                            "zero_results": SearchQueryCount.zero_results + stmt.excluded.zero_results,
                            "clicks": SearchQueryCount.clicks + stmt.excluded.clicks,
                        },
                    ),
                    queries,
                )
            if chosen:
                stmt = self.db.insert(SearchClickCount)
                session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["day", "locale", "query", "service_id"],
                        set_={"clicks": SearchClickCount.clicks + stmt.excluded.clicks},
                    ),
                    chosen,
                )


# --- the report ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryStat:
    locale: str
    query: str
    searches: int
    zero_results: int
    clicks: int


@dataclass(frozen=True)
class Report:
    since: dt.date
    top: list[QueryStat]
    zero_results: list[QueryStat]
    no_clicks: list[QueryStat]


def report(db: Database, *, days: int = 30, limit: int = 20, today: dt.date | None = None) -> Report:
    """Top queries; queries that found nothing; queries that found something nobody chose."""
    since = (today or dt.date.today()) - dt.timedelta(days=days - 1)
    q = SearchQueryCount
    searches = func.sum(q.searches).label("searches")
    zero = func.sum(q.zero_results).label("zero")
    clicks = func.sum(q.clicks).label("clicks")
    base = select(q.locale, q.query, searches, zero, clicks).where(q.day >= since).group_by(q.locale, q.query)
    with db.session() as session:

        def rows(stmt: Any) -> list[QueryStat]:
            return [QueryStat(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in session.execute(stmt)]

        top = rows(base.order_by(searches.desc(), q.query).limit(limit))
        empty = rows(base.having(zero > 0).order_by(zero.desc(), q.query).limit(limit))
        unclicked = rows(
            base.having(clicks == 0, zero < searches).order_by(searches.desc(), q.query).limit(limit)
        )
    return Report(since, top, empty, unclicked)


def format_report(rep: Report) -> str:
    def table(title: str, stats: list[QueryStat], column: str) -> list[str]:
        lines = [title, "-" * len(title)]
        if not stats:
            lines.append("(none)")
        for s in stats:
            value = {"searches": s.searches, "zero": s.zero_results, "clicks": s.clicks}[column]
            lines.append(f"{value:>7}  {s.locale:<8} {s.query}")
        return [*lines, ""]

    out = [f"Search report since {rep.since.isoformat()}", ""]
    out += table("Top queries (searches)", rep.top, "searches")
    out += table("Queries that found nothing (searches with no result)", rep.zero_results, "zero")
    out += table("Queries with results nobody chose (searches)", rep.no_clicks, "searches")
    return "\n".join(out).rstrip() + "\n"
