"""Load services.yaml (and its includes, see `files`), report every problem with file:line:col, then build the
Catalog (`assemble`)."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.collector import paused_garbage_collection

from . import model
from .assemble import assemble
from .definitions import FIELD_TYPES
from .files import CatalogFile, FileStat, display_path, includes, position_of, read_file
from .problems import Context, Position, Problem
from .shapes import Localization
from .spec import host_of

REVIEW_MAX_AGE = dt.timedelta(days=365)
PREFILLABLE = ("text", "textarea", "email", "phone", "address")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

# A translation source for catalog text kept outside the YAML (the `services` gettext domain):
# (msgctxt, default-locale text) -> {locale: translation}
Translations = Callable[[str, str], Mapping[str, str]]


@dataclass
class LoadResult:
    catalog: model.Catalog | None
    problems: list[Problem] = field(default_factory=list)
    # Every file read (or tried) and every directory include globs searched, as they were just before: what a
    # reload must watch to notice the next edit, whether the catalog is valid or not (see store.CatalogStore).
    read: tuple[FileStat, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def load_catalog(path: str | os.PathLike[str], translations: Translations | None = None, today: dt.date | None = None) -> LoadResult:
    """Load and validate a catalog. Never raises for bad content: problems come back in the result."""
    with paused_garbage_collection():
        return _load_catalog(path, translations, today)


def _load_catalog(path: str | os.PathLike[str], translations: Translations | None, today: dt.date | None) -> LoadResult:
    top = Path(path)
    ctx = Context(display_path(top))
    problems: list[Problem] = []
    if not top.is_file():
        problems.append(Problem(Position(ctx.file, 1, 1), "no such file; point PORTAL_SERVICES at your services.yaml"))
        return LoadResult(None, problems)
    read: list[FileStat] = []
    data, raw = read_file(top, ctx, read)
    files: list[CatalogFile] = []
    contexts = [ctx]
    if data is not None:
        files.append(CatalogFile(top, ctx.file, data, raw))
        for include_path, include_node_pos in includes(top, data, ctx, read):
            sub = Context(display_path(include_path))
            contexts.append(sub)
            sub_data, sub_raw = read_file(include_path, sub, read)
            if sub_data is None:
                continue
            for key in ("portal", "include"):
                if key in sub_data:
                    sub.problems.append(
                        Problem(position_of(sub_data, sub.file), f"'{key}' is only allowed in the top file ({ctx.file})")
                    )
            files.append(CatalogFile(include_path, sub.file, sub_data, sub_raw))
            del include_node_pos
    for c in contexts:
        problems.extend(c.problems)
    checker = _Checker(files, contexts, translations, today or dt.date.today())
    problems.extend(checker.run())
    problems.sort(key=lambda p: (p.position.file, p.position.line, p.position.column))
    if any(p.severity == "error" for p in problems):
        return LoadResult(None, problems, tuple(read))
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.shown.encode() + b"\0" + f.raw + b"\0")
    names = tuple(str(f.path) for f in files)
    catalog = assemble(checker.portal, checker.locales, checker.default_locale, checker.ids, files, digest.hexdigest(), names)
    return LoadResult(catalog, problems, tuple(read))


class _Checker:
    """Checks that need every file at once: ids, references, languages, domains, forms, warnings."""

    def __init__(self, files: list[CatalogFile], contexts: list[Context], translations: Translations | None, today: dt.date) -> None:
        self.files = files
        self.contexts = contexts
        self.translations = translations
        self.today = today
        self.problems: list[Problem] = []
        top = files[0].data if files else {}
        portal = top.get("portal", {})
        self.default_locale: str = portal.get("default_locale", "en")
        self.locales: tuple[str, ...] = tuple(portal.get("locales", [self.default_locale]))
        self.portal = portal
        self.ids: dict[str, dict[str, tuple[dict[str, Any], Position]]] = {
            "agency": {},
            "service": {},
            "category": {},
            "life_event": {},
        }

    def error(self, pos: Position, message: str) -> None:
        self.problems.append(Problem(pos, message))

    def warning(self, pos: Position, message: str) -> None:
        self.problems.append(Problem(pos, message, "warning"))

    def run(self) -> list[Problem]:
        self._check_locales()
        plural = {"agency": "agencies", "service": "services", "category": "categories", "life_event": "life_events"}
        for f in self.files:
            for kind, key in plural.items():
                for entry in f.data.get(key, []):
                    ident = entry.get("id")
                    if not isinstance(ident, str):
                        continue
                    pos = position_of(entry, f.shown)
                    first = self.ids[kind].get(ident)
                    if first is not None:
                        self.error(pos, f"{kind.replace('_', ' ')} id '{ident}' is already used at {first[1]}")
                        continue
                    self.ids[kind][ident] = (entry, pos)
        self._check_references()
        if isinstance(self.portal.get("name"), Localization):
            self._resolve(self.portal["name"], "portal:name")
        self._check_services()
        self._check_best_bets()
        return self.problems

    def _check_locales(self) -> None:
        top_file = self.files[0].shown if self.files else ""
        if self.default_locale not in self.locales:
            self.error(
                position_of(self.portal, top_file),
                f"default_locale '{self.default_locale}' is not in locales ({', '.join(self.locales)})",
            )
        declared = set(self.locales)
        for ctx in self.contexts:
            for locale, pos in ctx.locale_uses:
                if locale not in declared:
                    self.error(pos, _undeclared(locale, self.locales))
        for f in self.files:
            for key in ("synonyms", "best_bets"):
                mapping = f.data.get(key, {})
                for locale in mapping:
                    if locale not in declared:
                        self.error(_keyposition_of(mapping, locale, f.shown), f"{key}: " + _undeclared(locale, self.locales))

    def _check_references(self) -> None:
        for ctx in self.contexts:
            for kind, ident, pos in ctx.references:
                known = self.ids[kind]
                if ident in known:
                    continue
                close = difflib.get_close_matches(ident, list(known), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.error(pos, f"unknown {kind.replace('_', ' ')} '{ident}'{hint}")

    def _check_services(self) -> None:
        for ident, (svc, pos) in self.ids["service"].items():
            delivery = svc.get("delivery") or {}
            if delivery.get("type") == "redirect":
                self._check_redirect(ident, svc, delivery, pos)
            elif delivery.get("type") == "form":
                self._check_form(delivery, pos.file)
            reviewed = svc.get("last_reviewed")
            if isinstance(reviewed, dt.date):
                if reviewed > self.today:
                    self.error(pos, f"service '{ident}': last_reviewed {reviewed} is in the future")
                elif self.today - reviewed > REVIEW_MAX_AGE:
                    self.warning(
                        pos,
                        f"service '{ident}' was last reviewed on {reviewed}, more than 12 months ago; "
                        "check it and update last_reviewed",
                    )
        for kind in ("agency", "service", "category", "life_event"):
            for ident, (entry, pos) in self.ids[kind].items():
                self._check_translated(f"{kind.replace('_', ' ')} '{ident}'", kind, ident, entry, pos)

    def _check_redirect(self, ident: str, svc: dict[str, Any], delivery: dict[str, Any], pos: Position) -> None:
        agency_entry = self.ids["agency"].get(svc.get("agency", ""))
        url = delivery.get("url")
        if agency_entry is None or not isinstance(url, Localization):
            return
        agency = agency_entry[0]
        allowed = list(agency.get("domains") or [])
        if not allowed and isinstance(agency.get("url"), str):
            allowed = [host_of(agency["url"])]
        for value in url.values.values():
            host = host_of(value)
            if host and not _on_domains(host, allowed):
                self.error(
                    url.position,
                    f"service '{ident}': start URL host '{host}' is not on the domains of agency '{agency.get('id')}' "
                    f"({', '.join(allowed) or 'none declared'}); add it to the agency's domains if it "
                    "really belongs to the agency",
                )

    def _check_form(self, delivery: dict[str, Any], file: str) -> None:
        deliver_to = delivery.get("deliver_to") or {}
        dt_pos = position_of(deliver_to, file)
        if deliver_to and len([k for k in ("webhook", "email") if k in deliver_to]) != 1:
            self.error(dt_pos, "deliver_to needs exactly one of 'webhook' or 'email'")
        webhook = deliver_to.get("webhook") or {}
        hook_url = webhook.get("url")
        if isinstance(hook_url, str):
            lowered = hook_url.lower()
            loopback = lowered.startswith("http://") and host_of(hook_url) in LOOPBACK_HOSTS + ("[::1]",)
            if not (lowered.startswith("https://") and host_of(hook_url)) and not loopback:
                self.error(position_of(webhook, file), f"webhook url '{hook_url}' must be https:// (plain http only to 127.0.0.1 or localhost)")
        seen_pages: set[str] = set()
        seen_fields: dict[str, dict[str, Any]] = {}
        for page in delivery.get("pages", []):
            if page.get("id") in seen_pages:
                self.error(position_of(page, file), f"form page id '{page.get('id')}' is used twice in this form")
            seen_pages.add(page.get("id", ""))
            for fld in page.get("fields", []):
                self._check_field(fld, seen_fields, file)
                if isinstance(fld.get("id"), str):
                    seen_fields.setdefault(fld["id"], fld)

    def _check_field(self, fld: dict[str, Any], earlier: dict[str, dict[str, Any]], file: str) -> None:
        pos = position_of(fld, file)
        fid, ftype = fld.get("id", "?"), fld.get("type")
        if fid in earlier:
            self.error(pos, f"form field id '{fid}' is used twice in this form")
        choice = ftype in ("select", "radio", "checkboxes")
        if choice and not fld.get("options"):
            self.error(pos, f"field '{fid}' of type {ftype} needs 'options'")
        if not choice and "options" in fld:
            self.error(pos, f"field '{fid}': 'options' only applies to select, radio and checkboxes")
        if ftype != "file":
            for key in ("accept", "max_size_mb"):
                if key in fld:
                    self.error(pos, f"field '{fid}': '{key}' only applies to file fields")
        if "pattern" in fld and ftype not in ("text", "phone", "textarea", "email"):
            self.error(pos, f"field '{fid}': 'pattern' only applies to text, phone, email and textarea fields")
        for bound in ("min", "max"):
            if bound not in fld:
                continue
            value = fld[bound]
            if ftype == "date":
                if value != "today" and not _is_iso_date(value):
                    self.error(pos, f"field '{fid}': {bound} must be a date (YYYY-MM-DD) or 'today'")
            elif ftype in ("number", "text", "textarea", "checkboxes"):
                if not isinstance(value, int | float):
                    self.error(pos, f"field '{fid}': {bound} must be a number")
            else:
                self.error(pos, f"field '{fid}': '{bound}' does not apply to {ftype} fields")
        low, high = fld.get("min"), fld.get("max")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            self.error(pos, f"field '{fid}': min ({low}) is more than max ({high}); no answer could pass")
        prefill = fld.get("prefill")
        if isinstance(prefill, str) and ftype in FIELD_TYPES:
            if ftype not in PREFILLABLE:
                self.error(pos, f"field '{fid}': prefill only applies to text, textarea, email, phone and address fields")
            elif (prefill == "address") != (ftype == "address") and ftype not in ("text", "textarea"):
                self.error(pos, f"field '{fid}': prefill '{prefill}' does not fit a field of type {ftype}")
        show_if = fld.get("show_if")
        if isinstance(show_if, dict) and isinstance(show_if.get("field"), str):
            target = earlier.get(show_if["field"])
            if target is not None and target.get("type") in ("address", "file", "date", "number"):
                self.error(
                    position_of(show_if, file),
                    f"field '{fid}': show_if can only depend on a choice or text question, not on "
                    f"'{show_if['field']}' ({target.get('type')})",
                )
            elif target is None:
                self.error(
                    position_of(show_if, file),
                    f"field '{fid}': show_if refers to '{show_if['field']}', which is not an earlier field of this form",
                )
            elif target.get("options"):
                values = [o.get("value") for o in target["options"]]
                if show_if.get("equals") not in values:
                    self.error(
                        position_of(show_if, file),
                        f"field '{fid}': show_if equals '{show_if.get('equals')}', which is not an option of "
                        f"'{show_if['field']}' ({', '.join(str(v) for v in values)})",
                    )
            elif target.get("type") == "yesno" and show_if.get("equals") not in ("yes", "no"):
                self.error(position_of(show_if, file), f"field '{fid}': show_if on a yes/no field must equal 'yes' or 'no'")

    def _check_best_bets(self) -> None:
        for f in self.files:
            for locale, bets in f.data.get("best_bets", {}).items():
                for query, ids in bets.items():
                    for ident in ids:
                        entry = self.ids["service"].get(ident)
                        if entry and entry[0].get("status") == "inactive":
                            self.warning(
                                _keyposition_of(bets, query, f.shown),
                                f"best_bets[{locale}]['{query}'] lists service '{ident}', which is inactive",
                            )

    def _texts(self, kind: str, ident: str, entry: dict[str, Any]) -> Iterable[tuple[str, Localization]]:
        """Every localized value of an entry, with its gettext message context."""
        for key, value in entry.items():
            if isinstance(value, Localization):
                yield f"{kind}:{ident}:{key}", value
            elif key == "contact" and isinstance(value, dict):
                for sub in ("address", "hours"):
                    if isinstance(value.get(sub), Localization):
                        yield f"{kind}:{ident}:contact.{sub}", value[sub]
            elif key == "delivery" and isinstance(value, dict):
                for page in value.get("pages", []):
                    pid = page.get("id")
                    for pkey in ("title", "description"):
                        if isinstance(page.get(pkey), Localization):
                            yield f"{kind}:{ident}:form:{pid}:{pkey}", page[pkey]
                    for fld in page.get("fields", []):
                        fid = fld.get("id")
                        for fkey in ("label", "hint"):
                            if isinstance(fld.get(fkey), Localization):
                                yield f"{kind}:{ident}:form:{fid}:{fkey}", fld[fkey]
                        for opt in fld.get("options", []):
                            if isinstance(opt.get("label"), Localization):
                                yield f"{kind}:{ident}:form:{fid}:option:{opt.get('value')}", opt["label"]
                        for rule, msg in (fld.get("errors") or {}).items():
                            if isinstance(msg, Localization):
                                yield f"{kind}:{ident}:form:{fid}:error:{rule}", msg

    def _check_translated(self, label: str, kind: str, ident: str, entry: dict[str, Any], pos: Position) -> None:
        missing: dict[str, list[str]] = {}
        for msgctxt, loc in self._texts(kind, ident, entry):
            self._resolve(loc, msgctxt)
            if self.default_locale not in loc.values:
                self.error(loc.position, f"{label}: no text in the default language '{self.default_locale}'")
                continue
            field_name = msgctxt.split(":", 2)[2]
            for locale in self.locales:
                if locale not in loc.values:
                    missing.setdefault(locale, []).append(field_name)
        if missing:
            parts = []
            for locale, fields in missing.items():
                shown = ", ".join(fields[:4]) + (f" and {len(fields) - 4} more" if len(fields) > 4 else "")
                parts.append(f"{locale} ({shown})")
            self.warning(pos, f"{label} has no translation into " + "; ".join(parts) + "; residents will see the default-language text")

    def _resolve(self, loc: Localization, msgctxt: str) -> None:
        """Plain text becomes the default locale's; the `services` gettext domain fills gaps (YAML wins)."""
        if "" in loc.values:
            loc.values = {self.default_locale: loc.values.pop(""), **loc.values}
            loc.explicit = False
        if self.translations is None or self.default_locale not in loc.values:
            return
        source = loc.values[self.default_locale]
        source_key = "\n".join(source) if isinstance(source, list) else source
        for locale, translated in self.translations(msgctxt, source_key).items():
            if locale in self.locales and locale not in loc.values and translated:
                loc.values[locale] = translated.split("\n") if isinstance(source, list) else translated

def _keyposition_of(mapping: Any, key: str, file: str) -> Position:
    positions = getattr(mapping, "positions", {})
    return positions.get(key) or Position(file, 1, 1)


def _undeclared(locale: str, locales: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(locale, list(locales), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"language '{locale}' is not declared in portal.locales ({', '.join(locales)}){hint}"


def _on_domains(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _is_iso_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True
