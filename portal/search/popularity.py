"""How much residents use each service: a gentle ranking prior, learnt from the anonymous counts already kept.

Two signals, both counted per service and day without any personal data: residents pressing Start on a service's
page (`start_clicks`) and residents choosing a service from search results (`search_clicks`). Over a recent
window, a service's use becomes a share between 0 (unused) and 1 (the most used), on a log scale so that the most
popular services do not drown the rest: ten times the use is one step up, not ten. Ranking multiplies a match's
score by `1 + weight * share` (see `query.rank`): among services that match about equally well, the one residents
actually use comes first; a service that does not match is never brought in.

A new site has no counts, so nothing changes until residents have used it. Every worker reads the same tables,
so every worker ranks alike; the prior is refreshed in the background, never on a resident's request.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping

from sqlalchemy import case, func, select

from portal.storage import Database
from portal.storage.models import SearchClickCount, StartClick

DAILY_STARTS = 50  # Start presses that count per service and day


def usage_counts(db: Database, *, days: int = 90, today: dt.date | None = None) -> Counter[str]:
    """service id -> use over the last `days` days: Start presses (at most DAILY_STARTS a day) plus the
    queries it was chosen for (one per query and day). The counts come from anonymous requests anyone can
    make: capped like this, a script pressing Start all day, or choosing it from one query, cannot buy the top."""
    since = (today or dt.date.today()) - dt.timedelta(days=days - 1)
    counts: Counter[str] = Counter()
    capped = case((StartClick.count > DAILY_STARTS, DAILY_STARTS), else_=StartClick.count)
    with db.session() as session:
        starts = select(StartClick.service_id, func.sum(capped)).where(StartClick.day >= since)
        clicks = select(SearchClickCount.service_id, func.count()).where(SearchClickCount.day >= since)
        for stmt in (starts.group_by(StartClick.service_id), clicks.group_by(SearchClickCount.service_id)):
            for service_id, n in session.execute(stmt):
                counts[service_id] += int(n or 0)
    return counts


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    """service id -> its use between 0 and 1, on a log scale relative to the most used service."""
    top = max(counts.values(), default=0)
    if top <= 0:
        return {}
    scale = math.log1p(top)
    return {sid: round(math.log1p(n) / scale, 4) for sid, n in counts.items() if n > 0}

