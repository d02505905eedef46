"""Catalogs for the benchmarks, made from the public data in ../shared/data (no text written by hand).

- govuk_catalog(): one service per GOV.UK page with a title (the 2017 judged pages and the 2024 top pages).
- bilingual_catalog(): US federal benefits (usagov, en/es) and Government of Canada services for people
  (service inventory, en/fr) in one catalog with locales en, es, fr.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from portal.catalog import Agency, Catalog, Service
from portal.catalog.model import EMPTY_TEXT, Info, Named, Text

DATA = Path(os.environ.get("PORTAL_BENCH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data")


@dataclass(frozen=True)
class Judged:
    query: str
    locale: str
    relevant: frozenset[str]
    kind: str = ""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "x"


def make_catalog(
    services: list[Service],
    agencies: dict[str, Agency],
    locales: tuple[str, ...],
    life_events: dict[str, Named] | None = None,
) -> Catalog:
    payload = json.dumps(
        [(s.id, dict(s.title.values), dict(s.summary.values)) for s in services], sort_keys=True
    )
    return Catalog(
        name=Text({"en": "Benchmark"}, "en"),
        default_locale=locales[0],
        locales=locales,
        agencies=agencies,
        services={s.id: s for s in services},
        categories={},
        life_events=life_events or {},
        synonyms={},
        best_bets={},
        files=(),
        digest=hashlib.sha256(payload.encode()).hexdigest(),
    )


def text(values: dict[str, str], default: str = "en") -> Text:
    return Text({k: v.strip() for k, v in values.items() if v and v.strip()}, default)


# --- (a) GOV.UK ------------------------------------------------------------------------------------------------


def govuk_catalog() -> tuple[Catalog, dict[str, str]]:
    """The catalog (title only, as the pages' titles are all the data has) and path -> service id."""
    titles: dict[str, str] = {}
    with open(DATA / "govuk" / "DERIVED_healthcheck2017_with_2024_titles.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["page_title_2024"]:
                titles[row["expected_path"]] = row["page_title_2024"]
    with open(DATA / "govuk" / "searchv2_top_1000_pages_with_titles.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            titles.setdefault(row["link"], row["query"])  # this file names the title column "query"
    agency = Agency(id="govuk", name=Text({"en": "GOV.UK"}, "en"), url="https://www.gov.uk")
    ids: dict[str, str] = {}
    services = []
    for path, title in sorted(titles.items()):
        sid = slug(path)
        while sid in ids.values():
            sid += "-x"
        ids[path] = sid
        services.append(
            Service(id=sid, agency="govuk", title=text({"en": title}), summary=EMPTY_TEXT, delivery=Info())
        )
    return make_catalog(services, {"govuk": agency}, ("en",)), ids


def govuk_usage(ids: dict[str, str]) -> dict[str, int]:
    """Use of each page, for the popularity prior. The 2024 top-pages file lists the most used pages in order of
    use, without figures: counts are given the Zipf shape page views have (the n-th page used 1/n as often as
    the first), which is all the prior uses (a log scale relative to the most used page)."""
    counts: dict[str, int] = {}
    with open(DATA / "govuk" / "searchv2_top_1000_pages_with_titles.csv", encoding="utf-8") as fh:
        for position, row in enumerate(csv.DictReader(fh), start=1):
            sid = ids.get(row["link"])
            if sid is not None and sid not in counts:
                counts[sid] = round(1_000_000 / position)
    return counts


def govuk_judgements(ids: dict[str, str]) -> list[Judged]:
    """GOV.UK's 2017 health-check judgements: each query's pages that must rank in the top N ("<= N")."""
    relevant: dict[str, set[str]] = {}
    with open(DATA / "govuk" / "DERIVED_healthcheck2017_with_2024_titles.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["position_wanted"].startswith("<=") and row["expected_path"] in ids:
                relevant.setdefault(row["query"].strip(), set()).add(ids[row["expected_path"]])
    return [Judged(q, "en", frozenset(r)) for q, r in sorted(relevant.items()) if q]


def govuk_2024_judgements(ids: dict[str, str]) -> list[Judged]:
    """GOV.UK's 2024 top queries with the page each should find (searchv2: top 200 pairs and the self
    assessment pairs), over the same catalog. Mostly one or two words: navigational searches."""
    relevant: dict[str, set[str]] = {}
    for name in ("searchv2_top_200_query_result_pairs.csv", "searchv2_self_assessment.csv"):
        with open(DATA / "govuk" / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["link"] in ids:
                    relevant.setdefault(row["query"].strip().lower(), set()).add(ids[row["link"]])
    return [Judged(q, "en", frozenset(r), "top query") for q, r in sorted(relevant.items()) if q]


# --- (b) usagov + Canada ---------------------------------------------------------------------------------------


def bilingual_catalog() -> Catalog:
    agencies: dict[str, Agency] = {}
    services: list[Service] = []
    life_events: dict[str, Named] = {}

    def agency(name_en: str, name_other: str, other: str) -> str:
        aid = slug(name_en)
        if aid not in agencies:
            agencies[aid] = Agency(
                id=aid, name=text({"en": name_en, other: name_other}), url="https://example.gov"
            )
        return aid

    with open(DATA / "usagov" / "usagov_benefits_en_es.json", encoding="utf-8") as fh:
        for b in json.load(fh):
            aid = agency(b["source_name_en"], b.get("source_name_es") or "", "es")
            events = tuple(slug(e) for e in b.get("lifeEvents", []))
            for e in events:
                life_events.setdefault(e, Named(e, text({"en": e.replace("-", " ")})))
            services.append(
                Service(
                    id=slug(b["id"]),
                    agency=aid,
                    title=text({"en": b["title_en"], "es": b.get("title_es") or ""}),
                    summary=text({"en": b["summary_en"], "es": b.get("summary_es") or ""}),
                    delivery=Info(),
                    life_events=events,
                )
            )
    with open(DATA / "canada" / "gc_service_inventory_2019-2020.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["external_internal"] != "extern" or "person" not in row["client_target_groups"]:
                continue
            aid = agency(row["department_name_en"], row["department_name_fr"], "fr")
            services.append(
                Service(
                    id=f"ca-{row['service_id']}",
                    agency=aid,
                    title=text({"en": row["service_name_en"], "fr": row["service_name_fr"]}),
                    summary=text({"en": row["service_description_en"], "fr": row["service_description_fr"]}),
                    delivery=Info(),
                )
            )
    return make_catalog(services, agencies, ("en", "es", "fr"), life_events)


def bilingual_judgements(name: str = "bilingual_queries.csv") -> list[Judged]:
    """Set (b); `bilingual_queries_blind.csv`: a second set, written and judged without running the portal."""
    path = Path(__file__).resolve().parent / "data" / name
    with open(path, encoding="utf-8") as fh:
        return [
            Judged(row["query"], row["locale"], frozenset(row["relevant"].split()), row["kind"])
            for row in csv.DictReader(fh)
        ]
