"""The Catalog model from a valid catalog's checked data (see loader: only once there is no error)."""

from __future__ import annotations

from typing import Any

from . import model
from .files import CatalogFile
from .problems import Position
from .shapes import Localization


def assemble(
    portal: dict[str, Any],
    locales: tuple[str, ...],
    default_locale: str,
    ids: dict[str, dict[str, tuple[dict[str, Any], Position]]],
    files: list[CatalogFile],
    digest: str,
    names: tuple[str, ...],
) -> model.Catalog:
    """`ids`: kind -> id -> (checked entry, position); `names`: the files' paths, in order."""
    d = default_locale

    def text(value: Any) -> model.Text:
        if isinstance(value, Localization):
            return model.Text({(k or d): str(v) for k, v in value.values.items()}, d)
        return model.Text({}, d)

    def text_list(value: Any) -> model.TextList:
        if isinstance(value, Localization):
            return model.TextList({(k or d): tuple(v) for k, v in value.values.items()}, d)
        return model.TextList({}, d)

    def contact(value: Any) -> model.Contact:
        if not value:
            return model.Contact()
        return model.Contact(
            phone=value.get("phone", ""),
            email=value.get("email", ""),
            url=value.get("url", ""),
            address=text(value.get("address")),
            hours=text(value.get("hours")),
        )

    def named(entry: dict[str, Any]) -> model.Named:
        return model.Named(entry["id"], text(entry["name"]), text(entry.get("description")))

    def form_field(f: dict[str, Any]) -> model.FormField:
        show_if = f.get("show_if")
        return model.FormField(
            id=f["id"],
            type=f["type"],
            label=text(f["label"]),
            hint=text(f.get("hint")),
            required=bool(f.get("required", False)),
            autocomplete=f.get("autocomplete", ""),
            prefill=f.get("prefill", ""),
            pattern=f.get("pattern", ""),
            min=f.get("min"),
            max=f.get("max"),
            options=tuple(model.Option(str(o["value"]), text(o["label"])) for o in f.get("options", [])),
            show_if=model.ShowIf(show_if["field"], str(show_if["equals"])) if show_if else None,
            accept=tuple(f.get("accept", ())),
            max_size_mb=float(f.get("max_size_mb", 5.0)),
            errors={rule: text(msg) for rule, msg in (f.get("errors") or {}).items() if rule != "__position__"},
        )

    def delivery(value: dict[str, Any]) -> model.Delivery:
        if value["type"] == "redirect":
            return model.Redirect(text(value["url"]))
        if value["type"] == "info":
            return model.Info()
        target = value["deliver_to"]
        return model.Form(
            reference_prefix=value["reference_prefix"],
            deliver_to=model.DeliverTo(
                webhook_url=(target.get("webhook") or {}).get("url", ""),
                secret_env=(target.get("webhook") or {}).get("secret_env", ""),
                email_to=(target.get("email") or {}).get("to", ""),
            ),
            pages=tuple(
                model.FormPage(p["id"], text(p["title"]), tuple(form_field(f) for f in p["fields"]), text(p.get("description")))
                for p in value["pages"]
            ),
            retention_days=int(value.get("retention_days", 90)),
        )

    agencies = {
        ident: model.Agency(
            id=ident,
            name=text(a["name"]),
            url=a["url"],
            acronym=a.get("acronym", ""),
            description=text(a.get("description")),
            domains=tuple(a.get("domains", ())),
            contact=contact(a.get("contact")),
        )
        for ident, (a, _) in ids["agency"].items()
    }
    services = {
        ident: model.Service(
            id=ident,
            agency=s["agency"],
            title=text(s["title"]),
            summary=text(s["summary"]),
            delivery=delivery(s["delivery"]),
            description=text(s.get("description")),
            keywords=text_list(s.get("keywords")),
            categories=tuple(s.get("categories", ())),
            life_events=tuple(s.get("life_events", ())),
            audience=text(s.get("audience")),
            eligibility=text(s.get("eligibility")),
            documents=text_list(s.get("documents")),
            fees=text(s.get("fees")),
            processing_time=text(s.get("processing_time")),
            contact=contact(s.get("contact")),
            sign_in=s.get("sign_in", "none"),
            acr=s.get("acr", ""),
            status=s.get("status", "active"),
            owner=s.get("owner", ""),
            last_reviewed=s.get("last_reviewed"),
        )
        for ident, (s, _) in ids["service"].items()
    }
    synonyms: dict[str, list[tuple[str, ...]]] = {}
    best_bets: dict[str, dict[str, tuple[str, ...]]] = {}
    for f in files:
        for locale, groups in f.data.get("synonyms", {}).items():
            synonyms.setdefault(locale, []).extend(tuple(g) for g in groups)
        for locale, bets in f.data.get("best_bets", {}).items():
            for query, pinned in bets.items():
                best_bets.setdefault(locale, {})[query.casefold().strip()] = tuple(pinned)
    name = portal.get("name")
    return model.Catalog(
        name=text(name) if name else model.Text({d: "Government services"}, d),
        default_locale=d,
        locales=locales,
        agencies=dict(sorted(agencies.items(), key=lambda kv: kv[1].name[d].casefold())),
        services=services,
        categories={i: named(e) for i, (e, _) in ids["category"].items()},
        life_events={i: named(e) for i, (e, _) in ids["life_event"].items()},
        synonyms={k: tuple(v) for k, v in synonyms.items()},
        best_bets=best_bets,
        files=names,
        digest=digest,
    )
