"""Catalog text translated by translators in the `services` gettext domain (translations/<locale>/LC_MESSAGES/services.po)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from babel.messages.pofile import read_po

from portal.catalog.loader import Translations

log = logging.getLogger(__name__)


def services_translations(translations_dir: Path) -> Translations | None:
    """Read every services.po once per catalog load; (msgctxt, msgid) -> {locale: text}. Fuzzy entries are skipped."""
    table: dict[tuple[str, str], dict[str, str]] = {}
    if not translations_dir.is_dir():
        return None
    for po_path in sorted(translations_dir.glob("*/LC_MESSAGES/services.po")):
        locale = po_path.parent.parent.name.replace("_", "-")
        try:
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=None)
        except Exception as exc:  # a broken .po must not take the site down
            log.error("%s: cannot read translations: %s", po_path, exc)
            continue
        for message in catalog:
            if not message.id or message.fuzzy or not message.string or not message.context:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            text = message.string if isinstance(message.string, str) else message.string[0]
            table.setdefault((message.context, msgid), {})[locale] = text
    if not table:
        return None

    def lookup(msgctxt: str, source: str) -> Mapping[str, str]:
        return table.get((msgctxt, source), {})

    return lookup


def compile_catalogs(translations_dir: Path) -> list[Path]:
    """Build .mo files next to every .po (fuzzy entries are left out, as pybabel does). Returns what was written."""
    from babel.messages.mofile import write_mo

    written = []
    for po_path in sorted(translations_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written
