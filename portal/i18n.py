"""Languages: the only module that imports flask_babel.

Locales are BCP 47 tags as the catalog lists them (`zh-Hans`); gettext catalogs use the underscore form
(`translations/zh_Hans/`). The site's languages are the catalog's `portal.locales`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError, support
from flask import Flask, g
from flask_babel import Babel, Domain, format_datetime, format_decimal, lazy_gettext, ngettext
from flask_babel import format_date as _format_date
from flask_babel import gettext as _gettext

__all__ = [
    "Babel",
    "_",
    "_l",
    "current_locale",
    "direction",
    "format_date",
    "format_datetime",
    "format_decimal",
    "gettext_name",
    "language_name",
    "negotiate",
    "ngettext",
]

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})


def _(message: str, **variables: Any) -> str:
    return _gettext(message, **variables)


_l = lazy_gettext


class CatalogTagDomain(Domain):
    """Finds a language's .mo by the catalog's own tag (translations/tl/), not by Babel's canonical form.

    flask-babel looks translations up by str(Locale), and Babel canonicalizes some tags (tl -> fil_PH), so a
    translator's `pybabel init -l tl` catalog would never load.
    """

    def get_translations(self) -> support.NullTranslations:
        try:
            tag = str(g.get("locale") or "")
        except RuntimeError:
            return support.NullTranslations()
        if not tag:
            return super().get_translations()
        key = (tag, self.domain[0])
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        translations = support.Translations()
        for dirname in self.translation_directories:
            catalog = support.Translations.load(dirname, [gettext_name(tag)], self.domain[0])
            if isinstance(catalog, support.Translations):
                translations.merge(catalog)
            if hasattr(catalog, "plural"):
                translations.plural = catalog.plural
        self.cache[key] = translations
        return translations


def configure_babel(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = app.config["TRANSLATIONS_DIR"]
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    babel = Babel(app, locale_selector=lambda: babel_locale_for(current_locale()))
    babel.domain_instance = CatalogTagDomain()

    @app.context_processor
    def locale_helpers() -> dict[str, Any]:
        return {"get_locale": current_locale}


# Languages whose Babel data has no month names of their own (Haitian Creole borrows French ones): ISO dates.
NUMERIC_DATES = frozenset({"ht"})


def format_date(value: Any, format: str = "medium") -> str:  # noqa: A002 (flask-babel's signature)
    """A date (or the date of a datetime) as the resident's language writes it."""
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    if current_locale() in NUMERIC_DATES:
        return str(value.isoformat())
    return str(_format_date(value, format))


def current_locale() -> str:
    """The resident's language for this request (a BCP 47 tag from the catalog), or 'en' outside a request."""
    try:
        return str(g.get("locale") or "en")
    except RuntimeError:
        return "en"


def gettext_name(tag: str) -> str:
    """zh-Hans -> zh_Hans; pt-BR -> pt_BR (the directory name pybabel uses)."""
    return tag.replace("-", "_")


@lru_cache(maxsize=256)
def _babel_locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(gettext_name(tag))
    except (UnknownLocaleError, ValueError):
        return None


def babel_locale_for(tag: str) -> str:
    """The locale flask-babel formats dates and numbers with; falls back to English for unknown tags."""
    return gettext_name(tag) if _babel_locale(tag) is not None else "en"


@lru_cache(maxsize=256)
def language_name(tag: str) -> str:
    """The language's name in its own script: Español, 中文, العربية, Tiếng Việt."""
    overrides = {"zh-Hans": "中文（简体）", "zh-Hant": "中文（繁體）", "ht": "Kreyòl ayisyen", "tl": "Tagalog"}
    if tag in overrides:
        return overrides[tag]
    locale = _babel_locale(tag)
    if locale is None:
        return tag
    name = locale.get_display_name(locale) or tag
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=1024)
def language_name_in(tag: str, reader: str) -> str:
    """A language's name as a reader of another language writes it in a sentence: 'anglais' on a French page."""
    # Babel's data is thin for Haitian Creole (it falls back to French names) and calls Tagalog "Filipino".
    gaps = {("en", "ht"): "angle", ("ht", "ht"): "kreyòl ayisyen", ("tl", "tl"): "Tagalog", ("tl", "en"): "Tagalog"}
    if (tag, reader) in gaps:
        return gaps[(tag, reader)]
    locale, reader_locale = _babel_locale(tag), _babel_locale(reader)
    if locale is None or reader_locale is None:
        return language_name(tag)
    name = locale.get_display_name(reader_locale) or tag
    return name.split(" (")[0].split("（")[0]


def direction(tag: str) -> str:
    locale = _babel_locale(tag)
    if locale is not None:
        return "rtl" if locale.character_order == "right-to-left" else "ltr"
    return "rtl" if tag.split("-")[0] in RTL_LANGUAGES else "ltr"


def negotiate(accepted: Iterable[str], supported: Sequence[str], default: str) -> str:
    """Best supported locale for an Accept-Language list (most preferred first).

    Matches exactly, then by script for Chinese (zh-CN, zh-SG -> zh-Hans; zh-TW, zh-HK -> zh-Hant),
    then by language alone (es-MX -> es).
    """
    lowered = {s.lower(): s for s in supported}
    by_language: dict[str, str] = {}
    for s in supported:
        by_language.setdefault(s.split("-")[0].lower(), s)
    chinese = {"zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-tw": "zh-hant", "zh-hk": "zh-hant", "zh-mo": "zh-hant"}
    for raw in accepted:
        tag = raw.strip().replace("_", "-").lower()
        if not tag or tag == "*":
            continue
        if tag in lowered:
            return lowered[tag]
        mapped = chinese.get(tag)
        if mapped and mapped in lowered:
            return lowered[mapped]
        if tag.startswith("zh-hans") and "zh-hans" in lowered:
            return lowered["zh-hans"]
        base = tag.split("-")[0]
        if base in by_language:
            return by_language[base]
    return default
