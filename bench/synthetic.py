"""A synthetic catalog for the speed benchmark: N services x 5 locales (en es fr zh-Hans vi), as YAML files the
portal loads like any other catalog, and Zipf-distributed queries residents might type.

Text is recombined from real public text (usagov en/es, the Canada service inventory en/fr, the sample catalog's
zh-Hans and vi), so words follow real frequencies: a title from one real service plus a place name, a summary
from another, a description of sentences from others.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import yaml
from catalogs import DATA

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("en", "es", "fr", "zh-Hans", "vi")
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ra",
    "su",
    "to",
    "va",
    "wen",
    "dor",
    "fel",
    "gan",
    "hol",
    "kir",
    "mar",
    "nor",
]

Entry = tuple[str, str]  # (title, summary)


def corpora() -> dict[str, list[Entry]]:
    texts: dict[str, list[Entry]] = {loc: [] for loc in LOCALES}
    with open(DATA / "usagov" / "usagov_benefits_en_es.json", encoding="utf-8") as fh:
        for b in json.load(fh):
            texts["en"].append((b["title_en"], b["summary_en"]))
            if b.get("title_es") and b.get("summary_es"):
                texts["es"].append((b["title_es"], b["summary_es"]))
    with open(DATA / "canada" / "gc_service_inventory_2019-2020.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["service_description_en"] and row["service_description_fr"]:
                texts["en"].append((row["service_name_en"], row["service_description_en"]))
                texts["fr"].append((row["service_name_fr"], row["service_description_fr"]))
    for path in sorted((ROOT / "services.d").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for s in data.get("services", []):
            for loc in LOCALES:
                title, summary = s.get("title"), s.get("summary")
                if isinstance(title, dict) and isinstance(summary, dict) and loc in title and loc in summary:
                    texts[loc].append((title[loc], summary[loc]))
    return texts


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？])\s*", text) if len(s.strip()) > 8]


def place_names(n: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def write_catalog(target: Path, services: int = 10_000, seed: int = 7, per_file: int = 1000) -> Path:
    """Write services.yaml + services.d/*.yaml; returns the path of services.yaml."""
    rng = random.Random(seed)
    texts = corpora()
    pool = {loc: [s for _, summary in entries for s in sentences(summary)] for loc, entries in texts.items()}
    places = place_names(400, rng)
    target.mkdir(parents=True, exist_ok=True)
    (target / "services.d").mkdir(exist_ok=True)
    agencies = [
        {
            "id": f"agency-{i}",
            "name": {loc: f"{rng.choice(texts[loc])[0][:40]} {places[i]}" for loc in LOCALES},
            "acronym": f"A{i}",
            "url": f"https://agency{i}.example.gov",
            "domains": [f"agency{i}.example.gov"],
        }
        for i in range(50)
    ]
    categories = [
        {"id": f"category-{i}", "name": {loc: rng.choice(texts[loc])[0][:40] for loc in LOCALES}}
        for i in range(15)
    ]
    events = [
        {"id": f"event-{i}", "name": {loc: rng.choice(texts[loc])[0][:40] for loc in LOCALES}}
        for i in range(17)
    ]
    top = {
        "portal": {"name": {"en": "Synthetic"}, "default_locale": "en", "locales": list(LOCALES)},
        "include": ["services.d/*.yaml"],
        "categories": categories,
        "life_events": events,
        "agencies": agencies,
    }
    (target / "services.yaml").write_text(
        yaml.safe_dump(top, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    batch: list[dict[str, object]] = []
    for i in range(services):
        place = places[i % len(places)]
        title, summary, description, keywords = {}, {}, {}, {}
        for loc in LOCALES:
            entries = texts[loc]
            base_title = rng.choice(entries)[0]
            title[loc] = f"{base_title[:150]} – {place}"
            summary[loc] = rng.choice(entries)[1][:300]
            description[loc] = " ".join(rng.choice(pool[loc])[:300] for _ in range(rng.randint(1, 3)))
            words = [w for w in re.findall(r"\w+", rng.choice(entries)[0]) if len(w) > 3]
            keywords[loc] = rng.sample(words, min(3, len(words))) or [place]
        agency = agencies[rng.randrange(len(agencies))]
        batch.append(
            {
                "id": f"service-{i}",
                "agency": agency["id"],
                "title": title,
                "summary": summary,
                "description": description,
                "keywords": keywords,
                "categories": [rng.choice(categories)["id"]],
                "life_events": [rng.choice(events)["id"]],
                "delivery": {"type": "redirect", "url": f"{agency['url']}/service-{i}"},
            }
        )
        if len(batch) == per_file or i == services - 1:
            name = target / "services.d" / f"part-{i // per_file:03d}.yaml"
            name.write_text(
                yaml.safe_dump({"services": batch}, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
            batch = []
    return target / "services.yaml"


def queries(catalog_dir: Path, n: int = 5000, seed: int = 11) -> list[tuple[str, str]]:
    """(locale, query): words from the services' titles, as residents type them: 1-3 words, some with a typo,
    some as a question, some in Chinese fragments."""
    rng = random.Random(seed)
    titles: dict[str, list[str]] = {loc: [] for loc in LOCALES}
    for path in sorted((catalog_dir / "services.d").glob("*.yaml"))[:3]:
        for s in yaml.safe_load(path.read_text(encoding="utf-8"))["services"]:
            for loc in LOCALES:
                titles[loc].append(s["title"][loc].split(" – ")[0])
    weights = {"en": 0.4, "es": 0.15, "fr": 0.15, "zh-Hans": 0.15, "vi": 0.15}
    questions = {"en": "how do i ", "es": "cómo ", "fr": "comment ", "zh-Hans": "", "vi": ""}
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    while len(out) < n:
        loc = rng.choices(LOCALES, [weights[x] for x in LOCALES])[0]
        title = rng.choice(titles[loc])
        if loc == "zh-Hans":
            chars = re.sub(r"[^\u4e00-\u9fff]", "", title)
            if len(chars) < 2:
                continue
            start = rng.randrange(0, max(1, len(chars) - 1))
            q = chars[start : start + rng.randint(2, 4)]
        else:
            words = [w for w in re.findall(r"\w+", title) if len(w) > 2]
            if not words:
                continue
            start = rng.randrange(len(words))
            chosen = words[start : start + rng.randint(1, 3)]
            if rng.random() < 0.08:  # a typo: two letters swapped
                w = max(chosen, key=len)
                if len(w) > 4:
                    k = rng.randrange(1, len(w) - 2)
                    chosen[chosen.index(w)] = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
            q = " ".join(chosen).lower()
            if rng.random() < 0.05:
                q = questions[loc] + q
        if (loc, q) not in seen:
            seen.add((loc, q))
            out.append((loc, q))
    rng.shuffle(out)  # rank in the Zipf distribution: position in this list
    return out
