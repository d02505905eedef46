"""Template helpers: chosen text, sanitized Markdown, language metadata."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

import markdown as md
import nh3
from flask import Flask, request, url_for
from markupsafe import Markup

from portal.catalog import Shown
from portal.i18n import _, current_locale, direction, format_date, language_name, language_name_in
from portal.web.context import catalog, pick

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "h2", "h3", "h4", "br", "blockquote", "code", "abbr"}


@lru_cache(maxsize=4096)
def markdown_html(source: str) -> Markup:
    """Markdown from an agency, made safe: a small tag set, https/mailto/tel links only, headings shifted down."""
    html = md.markdown(source, extensions=[], output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}, "abbr": {"title"}},
        url_schemes={"https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 (sanitized by nh3 just above)


def alternates() -> list[tuple[str, str]]:
    """(hreflang, url) for this page in every language."""
    if request.endpoint is None or not request.url_rule or "lang" not in request.url_rule.arguments:
        return []
    args = dict(request.view_args or {})
    query = request.args.to_dict(flat=True)
    return [(loc, url_for(request.endpoint, **args, **query, lang=loc, _external=True)) for loc in catalog().locales]


def switch_links() -> list[dict[str, Any]]:
    """The language switcher: every language, named in its own script, linking to this same page."""
    links = []
    same_page = bool(request.endpoint and request.url_rule and "lang" in request.url_rule.arguments)
    endpoint = str(request.endpoint) if same_page else "pages.home"
    values: dict[str, Any] = {}
    if same_page:
        values.update(request.args.to_dict(flat=True))
        values.pop("page", None)
        values.update(request.view_args or {})
    for loc in catalog().locales:
        links.append(
            {
                "locale": loc,
                "name": language_name(loc),
                "dir": direction(loc),
                "url": url_for(endpoint, **{**values, "lang": loc}),
                "current": loc == current_locale(),
            }
        )
    return links


def configure_templates(app: Flask) -> None:
    app.jinja_env.globals.update(
        t=pick,
        catalog=catalog,
        current_locale=current_locale,
        direction=direction,
        language_name=language_name,
        language_name_in=lambda tag: language_name_in(tag, current_locale()),
        alternates=alternates,
        switch_links=switch_links,
        format_date=format_date,
        has_endpoint=lambda name: name in app.view_functions,
    )
    app.jinja_env.filters["markdown"] = markdown_html
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def page_context() -> dict[str, Any]:
        locale = current_locale()
        return {"lang": locale, "dir": direction(locale), "site_name": _site_name()}



def _site_name() -> Shown:
    """The site's name, with its language (it may fall back to the default); str() gives the text."""
    try:
        return cast(Shown, pick(catalog().name))
    except Exception:  # an error page must render even without a catalog
        return Shown(_("Government services"), current_locale(), False)
