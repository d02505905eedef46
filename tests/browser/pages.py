"""Every page type a resident can land on, with an example of each picked from the catalog being served.

Add a page type with one line in PAGE_TYPES: a name and a path template whose fields come from `Examples`.
Every page type is audited in English and Arabic (axe-core, the Nu HTML Checker, keyboard, screenshots).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import quote

from portal.catalog import Catalog, Service
from portal.catalog.model import Form, Info, Redirect

AUDIT_LANGUAGES = ("en", "ar")


@dataclass(frozen=True)
class PageType:
    name: str
    path: str  # "/{lang}/services/{redirect_service}"; fields: lang and those of Examples
    status: int = 200
    languages: tuple[str, ...] = AUDIT_LANGUAGES


PAGE_TYPES = (
    PageType("home", "/{lang}/"),
    PageType("agencies", "/{lang}/agencies"),
    PageType("agency", "/{lang}/agencies/{agency}"),
    PageType("life-event", "/{lang}/life-events/{life_event}"),
    PageType("category", "/{lang}/categories/{category}"),
    PageType("service-redirect", "/{lang}/services/{redirect_service}"),
    PageType("service-form", "/{lang}/services/{form_service}"),
    PageType("service-info", "/{lang}/services/{info_service}"),
    PageType("service-inactive", "/{lang}/services/{inactive_service}"),
    # A language the site offers but the service's content lacks: text falls back and must say its own language.
    PageType("service-fallback", "/{fallback_locale}/services/{redirect_service}", languages=("en",)),
    PageType("search", "/{lang}/search?q={search_query}"),
    PageType("search-typo", "/{lang}/search?q={typo_query}"),  # "Did you mean ...?"
    PageType("search-nothing-found", "/{lang}/search?q=zzqx"),
    PageType(
        "form-first-step", "/{lang}/services/{form_service}/apply"
    ),  # every step: test_every_form_step...
    PageType("not-found", "/{lang}/no-such-page", status=404),
)

BY_NAME = {p.name: p for p in PAGE_TYPES}


def audit_cases() -> list[tuple[str, str]]:
    """(page type, language) pairs, for pytest.mark.parametrize."""
    return [(p.name, lang) for p in PAGE_TYPES for lang in p.languages]


def keyboard_cases() -> list[tuple[str, str]]:
    """Every page type in its first language; right-to-left only where it has the most to get wrong (tab order
    follows the HTML, which is the same in every language, and walking every page twice costs a minute)."""
    rtl_sample = ("home", "service-redirect", "search")
    return [(p.name, p.languages[0]) for p in PAGE_TYPES] + [(name, "ar") for name in rtl_sample]


@dataclass(frozen=True)
class Examples:
    """One of each thing in the served catalog, chosen the same way every run."""

    redirect_service: str
    form_service: str
    info_service: str
    inactive_service: str
    agency: str
    life_event: str
    event_service: str  # a service listed under life_event
    category: str
    fallback_locale: str
    # (lang, the longest word of the redirect service's title in that language)
    search_words: tuple[tuple[str, str], ...]
    # (lang, that title with a letter left out of its longest word)
    typos: tuple[tuple[str, str], ...]
    # every step of every hosted form: "/{lang}/services/<service>/apply/<step>"
    form_steps: tuple[str, ...]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Examples:
        services = sorted(catalog.services.values(), key=lambda s: s.id)

        def first(kind: type, active: bool = True) -> Service:
            for s in services:
                if isinstance(s.delivery, kind) and s.active == active:
                    return s
            raise LookupError(
                f"the catalog has no {'active' if active else 'inactive'} {kind.__name__} service"
            )

        redirect = catalog.services.get("renew-drivers-license") or first(Redirect)
        inactive = next((s for s in services if not s.active), None)
        if inactive is None:
            raise LookupError("the catalog has no inactive service")
        untranslated = [loc for loc in catalog.locales if not redirect.title.has(loc)]
        event_service = next(s for s in services if s.life_events and s.active)
        return cls(
            redirect_service=redirect.id,
            form_service=first(Form).id,
            info_service=first(Info).id,
            inactive_service=inactive.id,
            agency=redirect.agency,
            life_event=event_service.life_events[0],
            event_service=event_service.id,
            category=redirect.categories[0] if redirect.categories else event_service.categories[0],
            fallback_locale=untranslated[0] if untranslated else catalog.default_locale,
            search_words=tuple((loc, _longest_word(redirect.title.get(loc).text)) for loc in catalog.locales),
            typos=tuple((loc, typo(redirect.title.get(loc).text)) for loc in catalog.locales),
            form_steps=tuple(
                f"/{{lang}}/services/{s.id}/apply/{page.id}"
                for s in services
                if isinstance(s.delivery, Form) and s.active
                for page in s.delivery.pages
            ),
        )

    def search_query(self, lang: str) -> str:
        return dict(self.search_words)[lang]

    def typo_query(self, lang: str) -> str:
        return dict(self.typos)[lang]

    def path(self, page_type: str, lang: str) -> str:
        fields = {k: v for k, v in asdict(self).items() if isinstance(v, str)}
        return BY_NAME[page_type].path.format(
            lang=lang,
            search_query=quote(self.search_query(lang)),
            typo_query=quote(self.typo_query(lang)),
            **fields,
        )


def _longest_word(text: str) -> str:
    return max(text.split(), key=len) if " " in text else text[:2]


def typo(text: str) -> str:
    """The text with the middle letter of its longest word left out, as a hurried resident types it."""
    words = text.split()
    if not words:
        return text
    longest = max(words, key=len)
    middle = len(longest) // 2
    words[words.index(longest)] = longest[:middle] + longest[middle + 1 :]
    return " ".join(words)
