"""What residents and translators get: pages in every language, nothing English left, a new language without code."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from flask import Flask

from portal.cli import main
from portal.translations import compile_catalogs
from tests.conftest import ROOT, copy_sample

SHIPPED = ("en", "es", "zh-Hans", "vi", "ko", "tl", "ru", "ar", "fr", "ht")
CONTENT = ("en", "es", "zh-Hans", "vi", "ar")
# Words that are the same in a translation as in English (names, loanwords a native reader uses).
ALLOWED = {"Email", "Website", "Medicaid", "SNAP", "OK", "Online", "Start", "Tagalog", "Filipino"}


class VisibleText(HTMLParser):
    """Text a reader sees, without elements that declare another language (fallback catalog content)."""

    def __init__(self, page_lang: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.page_lang = page_lang
        self.chunks: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        other_lang = any(k == "lang" and v and v != self.page_lang for k, v in attrs) and tag != "html"
        hidden = tag in ("script", "style", "title")
        skip = other_lang or hidden
        self.stack.append((tag, skip))
        if skip:
            self.skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, skip = self.stack.pop()
            if skip:
                self.skip_depth -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str, lang: str) -> str:
    parser = VisibleText(lang)
    parser.feed(html)
    return "\n".join(parser.chunks)


def english_fragments() -> list[str]:
    """Interface strings of two words or more, split at placeholders."""
    with (ROOT / "translations" / "messages.pot").open("rb") as fh:
        pot = read_po(fh)
    fragments = set()
    for message in pot:
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        for text in ids:
            if not text:
                continue
            for part in re.split(r"%\(\w+\)[sd]|%[sd]|[“”\"]", text):
                part = part.strip(" .,:;()")
                if len(part.split()) >= 2 and part not in ALLOWED:
                    fragments.add(part)
    return sorted(fragments, key=len, reverse=True)


def page_urls(app: Flask, locale: str) -> list[str]:
    cat = app.extensions["portal.catalog"].catalog
    services = list(cat.services.values())
    by_kind = {}
    for s in services:
        by_kind.setdefault("inactive" if not s.active else s.delivery.type, s)
    urls = [f"/{locale}/", f"/{locale}/agencies", f"/{locale}/agencies/{services[0].agency}"]
    urls += [f"/{locale}/life-events/{next(iter(cat.life_events))}", f"/{locale}/categories/{next(iter(cat.categories))}"]
    urls += [f"/{locale}/services/{s.id}" for s in by_kind.values()]
    urls += [f"/{locale}/search?q=", f"/{locale}/search?q=license", f"/{locale}/no-such-page"]
    return urls


def test_the_sample_catalog_offers_the_ten_languages(sample_app: Flask) -> None:
    assert set(sample_app.extensions["portal.catalog"].catalog.locales) == set(SHIPPED)


@pytest.mark.parametrize("locale", [loc for loc in SHIPPED if loc != "en"])
def test_no_english_interface_text_is_left_on_a_translated_page(sample_app: Flask, locale: str) -> None:
    compile_catalogs(ROOT / "translations")
    client = sample_app.test_client()
    fragments = english_fragments()
    for url in page_urls(sample_app, locale):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}"' in html
        text = visible_text(html, locale)
        leaked = [f for f in fragments if f in text]
        assert not leaked, f"{url} shows English interface text: {leaked[:5]}"


def test_arabic_pages_are_right_to_left_and_others_not(client) -> None:
    assert 'dir="rtl"' in client.get("/ar/").get_data(as_text=True).split(">", 2)[1]
    assert '<html lang="es" dir="ltr">' in client.get("/es/").get_data(as_text=True)


def test_fallback_note_appears_only_where_content_is_missing(client, sample_app: Flask) -> None:
    compile_catalogs(ROOT / "translations")
    service = next(iter(sample_app.extensions["portal.catalog"].catalog.services.values()))
    korean = client.get(f"/ko/services/{service.id}").get_data(as_text=True)
    assert 'class="notice" role="note"' in korean
    assert f'<h1 id="service-title" lang="en" dir="ltr">{service.title["en"]}' in korean.replace("&#39;", "'")
    for locale in CONTENT:
        page = client.get(f"/{locale}/services/{service.id}").get_data(as_text=True)
        assert 'class="notice" role="note"' not in page, locale


def test_the_switcher_names_each_language_in_its_own_script_and_keeps_the_page(client) -> None:
    html = client.get("/en/agencies").get_data(as_text=True)
    for name in ("Español", "中文", "العربية", "Tiếng Việt", "한국어", "Русский", "Français", "Kreyòl ayisyen"):
        assert name in html
    assert 'href="/ar/agencies" lang="ar" hreflang="ar" dir="rtl"' in html
    assert '<link rel="alternate" hreflang="zh-Hans" href="http://localhost/zh-Hans/agencies">' in html


def test_a_chosen_language_is_remembered_for_the_bare_address(sample_app: Flask) -> None:
    client = sample_app.test_client()
    client.get("/vi/agencies")
    assert client.get("/", headers={"Accept-Language": "en"}).headers["Location"] == "/vi/"


def test_dates_are_formatted_for_the_locale(client, sample_app: Flask) -> None:
    compile_catalogs(ROOT / "translations")
    service = next(s for s in sample_app.extensions["portal.catalog"].catalog.services.values() if s.last_reviewed)
    spanish = client.get(f"/es/services/{service.id}").get_data(as_text=True)
    assert f"{service.last_reviewed.day} de " in spanish
    assert f"{service.last_reviewed.year}年" in client.get(f"/zh-Hans/services/{service.id}").get_data(as_text=True)


def test_status_shows_every_interface_catalog_complete() -> None:
    result = CliRunner().invoke(main, ["i18n", "status"], env={"PORTAL_SERVICES": str(ROOT / "services.yaml")})
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split()[:2]): line.split()[-1] for line in result.output.splitlines()[1:]}
    for locale in SHIPPED:
        assert rows[(locale.replace("-", "_"), "messages")] == "100.0%", result.output


def test_check_passes_on_the_shipped_catalogs_and_fails_on_a_broken_placeholder(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["i18n", "check"], env={"PORTAL_SERVICES": str(ROOT / "services.yaml")})
    assert ok.exit_code == 0, ok.output
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", translations)
    po_path = translations / "es" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    broken = next(m for m in catalog if isinstance(m.id, str) and "%(agency)s" in m.id)
    broken.string = "Lo ofrece %(agencia)s"
    with po_path.open("wb") as fh:
        write_po(fh, catalog)
    bad = runner.invoke(
        main, ["i18n", "check"], env={"PORTAL_SERVICES": str(ROOT / "services.yaml"), "PORTAL_TRANSLATIONS_DIR": str(translations)}
    )
    assert bad.exit_code == 1
    assert "es/LC_MESSAGES/messages.po:" in bad.output
    assert "%(agencia)s" in bad.output


def test_a_translator_adds_a_language_without_touching_code(tmp_path: Path, make_app) -> None:
    services = copy_sample(tmp_path)
    translations = tmp_path / "translations"
    # 1. pybabel init, as the README tells translators
    CommandLineInterface().run(
        ["pybabel", "-q", "init", "-i", str(translations / "messages.pot"), "-d", str(translations), "-l", "de"]
    )
    # 2. translate (here: two strings)
    po_path = translations / "de" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="de")
    catalog.get("Find a government service").string = "Eine Behördenleistung finden"
    catalog.get("Agencies A to Z").string = "Behörden von A bis Z"
    with po_path.open("wb") as fh:
        write_po(fh, catalog)
    # 3. list it in services.yaml
    text = services.read_text()
    services.write_text(text.replace("locales: [en, es,", "locales: [en, de, es,", 1))
    compile_catalogs(translations)
    client = make_app(services).test_client()
    home = client.get("/de/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html
    assert "Eine Behördenleistung finden" in html
    assert "Behörden von A bis Z" in html
    assert ">Deutsch</a>" in html
    assert client.get("/", headers={"Accept-Language": "de-AT"}).headers["Location"] == "/de/"
