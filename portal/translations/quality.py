"""`portal i18n status` and `portal i18n check`: what is missing, and what would break a page."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import PoFileError, read_po

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%")
BROKEN_PLACEHOLDER = re.compile(r"%\(\w+\)(?![-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])|%\(\w*$|%\s*\(\s+\w+\s*\)")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


@dataclass(frozen=True)
class Status:
    locale: str
    domain: str
    total: int
    translated: int
    fuzzy: int

    @property
    def missing(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _read(path: Path) -> list[Message]:
    with path.open("rb") as fh:
        return [m for m in read_po(fh, abort_invalid=False) if m.id]


def status(translations_dir: Path, locales: list[str]) -> list[Status]:
    """Per locale and domain; `messages` counts against messages.pot, `services` against that locale's own .po."""
    results = []
    pot_path = translations_dir / "messages.pot"
    pot_ids = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in _read(pot_path)} if pot_path.exists() else set()
    for locale in locales:
        for domain in ("messages", "services"):
            po_path = translations_dir / locale / "LC_MESSAGES" / f"{domain}.po"
            messages = _read(po_path) if po_path.exists() else []
            by_key = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in messages}
            keys = pot_ids if domain == "messages" else set(by_key)
            translated = fuzzy = 0
            for key in keys:
                m = by_key.get(key)
                if m is None:
                    continue
                if m.fuzzy:
                    fuzzy += 1
                elif _complete(m):
                    translated += 1
            if domain == "services" and not po_path.exists():
                continue
            results.append(Status(locale, domain, len(keys), translated, fuzzy))
    return results


def _complete(m: Message) -> bool:
    if isinstance(m.string, tuple | list):
        return all(m.string)
    return bool(m.string)


def check(translations_dir: Path) -> list[Finding]:
    """Every problem that would show a broken or crashing page."""
    findings: list[Finding] = []
    for po_path in sorted(translations_dir.glob("*/LC_MESSAGES/*.po")):
        shown = str(po_path)
        locale_name = po_path.parent.parent.name
        try:
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=locale_name, abort_invalid=True)
        except PoFileError as exc:
            findings.append(Finding(shown, getattr(exc, "lineno", 0) or 0, f"cannot be read: {exc}"))
            continue
        except Exception as exc:  # noqa: BLE001
            findings.append(Finding(shown, 0, f"cannot be read: {exc}"))
            continue
        try:
            expected_plurals: int | None = _num_plurals(locale_name)
        except Exception:  # noqa: BLE001
            expected_plurals = None
        header_plurals = catalog.num_plurals
        if expected_plurals is not None and header_plurals != expected_plurals and any(m.pluralizable for m in catalog):
            findings.append(
                Finding(shown, 1, f"Plural-Forms header says nplurals={header_plurals}, but {locale_name} needs {expected_plurals}")
            )
        for m in catalog:
            if not m.id or m.fuzzy:
                continue
            findings.extend(_check_message(shown, m, catalog.num_plurals))
    return findings


def _num_plurals(locale_name: str) -> int:
    from babel.messages.plurals import get_plural

    return get_plural(locale_name).num_plurals


def _names(text: str) -> Counter[str]:
    return Counter(m.group(1) or m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def _tags(text: str) -> Counter[str]:
    """Opening and closing tags by name: <a href=...> and </a> count as 'a' and '/a'."""
    return Counter(("/" if m.group(0).startswith("</") else "") + m.group(1).lower() for m in TAG.finditer(text))


def _check_message(file: str, m: Message, num_plurals: int) -> list[Finding]:
    findings = []
    line = m.lineno or 0
    ids = list(m.id) if isinstance(m.id, tuple | list) else [m.id]
    strings = list(m.string) if isinstance(m.string, tuple | list) else [m.string]
    if m.pluralizable and any(strings) and len(strings) != num_plurals:
        findings.append(Finding(file, line, f"'{ids[0][:40]}' has {len(strings)} plural forms; the header says {num_plurals}"))
    source_names = set().union(*(_names(i) for i in ids))
    source_tags = _tags(ids[0])
    for string in strings:
        if not string:
            continue
        if BROKEN_PLACEHOLDER.search(string):
            findings.append(Finding(file, line, f"broken placeholder in translation of '{ids[0][:40]}': {string[:60]!r}"))
            continue
        names = set(_names(string))
        unknown = names - source_names
        if unknown:
            findings.append(
                Finding(
                    file,
                    line,
                    f"translation of '{ids[0][:40]}' uses {', '.join(sorted('%(' + n + ')s' for n in unknown))}, "
                    f"which the original does not have ({', '.join(sorted(source_names)) or 'none'})",
                )
            )
        elif not m.pluralizable and source_names - names:
            lost = source_names - names
            findings.append(
                Finding(file, line, f"translation of '{ids[0][:40]}' leaves out {', '.join(sorted('%(' + n + ')s' for n in lost))}")
            )
        if source_names and _crashes(string, source_names):
            findings.append(Finding(file, line, f"translation of '{ids[0][:40]}' cannot be formatted: {string[:60]!r}"))
        tags = _tags(string)
        if tags != source_tags and not m.pluralizable:
            findings.append(
                Finding(file, line, f"HTML tags differ in translation of '{ids[0][:40]}': {sorted(source_tags.elements())} vs {sorted(tags.elements())}")
            )
    return findings


def _crashes(string: str, names: set[str]) -> bool:
    values = dict.fromkeys(names, 1)
    try:
        string % values  # noqa: B018
    except (KeyError, ValueError, TypeError):
        return True
    return False
