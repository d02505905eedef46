"""The `portal` command: thin wrappers over the catalog, search, i18n and delivery functions."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from portal import config as settings


def _app(**overrides: Any) -> Any:
    from portal import create_app

    try:
        return create_app(overrides or None)
    except settings.ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # a catalog that cannot load at all
        from portal.catalog.store import CatalogError

        if isinstance(exc, CatalogError):
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException("the catalog has errors; run `portal validate` for the full list") from exc
        raise


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The portal: every agency's services behind one door."""


@main.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--quiet", "-q", is_flag=True, help="Print errors only, no warnings.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output format.")
def validate(path: str | None, quiet: bool, fmt: str) -> None:
    """Check a catalog (default: $PORTAL_SERVICES or ./services.yaml); print every problem as file:line:col."""
    from portal.catalog import load_catalog
    from portal.translations import services_translations

    target = path or os.environ.get("PORTAL_SERVICES", "services.yaml")
    if not os.path.exists(target):
        click.echo(f"{target}: no such file", err=True)
        sys.exit(2)
    from pathlib import Path

    translations_dir = Path(target).resolve().parent / os.environ.get("PORTAL_TRANSLATIONS_DIR", "translations")
    result = load_catalog(target, services_translations(translations_dir))
    problems = [p for p in result.problems if not quiet or p.severity == "error"]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "valid": result.catalog is not None,
                    "problems": [
                        {
                            "file": p.position.file,
                            "line": p.position.line,
                            "column": p.position.column,
                            "severity": p.severity,
                            "message": p.message,
                        }
                        for p in problems
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for problem in problems:
            click.echo(str(problem))
        errors, warnings = len(result.errors), len(result.warnings)
        if result.catalog is not None:
            cat = result.catalog
            click.echo(
                f"ok: {len(cat.services)} services, {len(cat.agencies)} agencies, {len(cat.locales)} languages "
                f"in {len(cat.files)} file(s); {warnings} warning(s)",
                err=True,
            )
        else:
            click.echo(f"{errors} error(s), {warnings} warning(s): the catalog was not accepted", err=True)
    sys.exit(0 if result.catalog is not None else 1)


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of catalog files (for yaml-language-server and other editors)."""
    from portal.catalog.definitions import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


@main.command()
def reload() -> None:
    """Validate the catalog, then ask every running worker on this host to reload it."""
    from pathlib import Path

    from portal.catalog import CatalogStore, load_catalog

    values = settings.load({"TESTING": True})
    result = load_catalog(values["SERVICES"])
    for problem in result.errors:
        click.echo(str(problem), err=True)
    if result.catalog is None:
        raise click.ClickException("not reloaded: fix the errors above; the site keeps serving the last good catalog")
    CatalogStore(values["SERVICES"], reload_stamp=Path(values["DATA_DIR"]) / "reload-requested").request_reload()
    click.echo(f"reload requested: {len(result.catalog.services)} services (workers pick it up within seconds)")


@main.command("index")
@click.option("--force", is_flag=True, help="Rebuild from scratch even if the index is up to date.")
@click.option("--processes", type=int, default=None, help="Build processes (default: PORTAL_SEARCH_BUILD_PROCESSES).")
def index_command(force: bool, processes: int | None) -> None:
    """Build the search index from the catalog into a fresh directory and switch to it atomically."""
    import time
    from pathlib import Path

    from portal.catalog import load_catalog
    from portal.search import current_manifest, ensure_index
    from portal.search.analysis import describe
    from portal.translations import services_translations

    values = settings.load({"TESTING": True})
    result = load_catalog(values["SERVICES"], services_translations(Path(values["TRANSLATIONS_DIR"])))
    for problem in result.errors:
        click.echo(str(problem), err=True)
    if result.catalog is None:
        raise click.ClickException("the catalog has errors; the index was not built")
    cat = result.catalog
    root = Path(values["DATA_DIR"]) / "search"
    before = current_manifest(root)
    started = time.perf_counter()
    workers = values["SEARCH_BUILD_PROCESSES"] if processes is None else processes
    manifest = ensure_index(cat, root, processes=workers, force=force)
    seconds = time.perf_counter() - started
    for locale in cat.locales:
        click.echo(f"  {locale:<8} {manifest.documents.get(locale, 0):>7} documents  ({describe(locale)})")
    if before is not None and before.name == manifest.name:
        click.echo(f"up to date: {manifest.name} ({len(manifest.services)} services)")
    else:
        how = f"updated {len(manifest.changed)} service(s) of" if manifest.incremental else "built"
        click.echo(f"{how} {len(manifest.services)} services in {seconds:.2f} s: {manifest.name}")


@main.command("search-report")
@click.option("--days", default=30, show_default=True, type=int, help="Look back this many days.")
@click.option("--limit", default=20, show_default=True, type=int, help="Rows per list.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def search_report(days: int, limit: int, fmt: str) -> None:
    """What residents searched for: top queries, queries that found nothing, and queries nobody clicked."""
    from dataclasses import asdict

    from portal.search.log import format_report, report
    from portal.storage import Database

    values = settings.load({"TESTING": True})
    db = Database(values["DATABASE_URL"])
    db.create_all()
    try:
        rep = report(db, days=days, limit=limit)
    finally:
        db.dispose()
    if fmt == "json":
        click.echo(json.dumps(asdict(rep), default=str, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(rep), nl=False)


@main.command("config")
def show_config() -> None:
    """List every setting, its environment variable, default and meaning."""
    click.echo(settings.describe())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve with gunicorn (production-style); falls back to Flask's server where gunicorn is missing."""
    app = _app()  # fail here, with a clear message, rather than in every worker
    del app
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        _app().run(host=host, port=port)
        return
    os.execvp(  # noqa: S606 (replace this process with gunicorn)
        sys.executable,
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}", "--access-logfile", "-", "portal:create_app()"],
    )


@main.group()
def i18n() -> None:
    """Translations: compile, extract, status, check."""


@i18n.command("compile")
@click.option("--quiet", "-q", is_flag=True)
def i18n_compile(quiet: bool) -> None:
    """Build .mo files from translations/*/LC_MESSAGES/*.po (they are never committed)."""
    from pathlib import Path

    from portal.translations import compile_catalogs

    values = settings.load({"TESTING": True})
    written = compile_catalogs(Path(values["TRANSLATIONS_DIR"]))
    if not quiet:
        click.echo(f"compiled {len(written)} catalog(s)")


def _translations_dir() -> Any:
    from pathlib import Path

    return Path(settings.load({"TESTING": True})["TRANSLATIONS_DIR"])


@i18n.command("extract")
def i18n_extract() -> None:
    """Refresh translations/*.pot and every locale's messages.po and services.po from the code and the catalog."""
    from pathlib import Path

    from portal.catalog import load_catalog
    from portal.translations import services_translations
    from portal.translations.extract import extract_messages, extract_services, gettext_dir

    values = settings.load({"TESTING": True})
    directory = Path(values["TRANSLATIONS_DIR"])
    yaml_only = load_catalog(values["SERVICES"])
    full = load_catalog(values["SERVICES"], services_translations(directory))
    if yaml_only.catalog is None or full.catalog is None:
        for problem in yaml_only.errors:
            click.echo(str(problem), err=True)
        raise click.ClickException("fix the catalog first (`portal validate`)")
    for locale in full.catalog.locales:
        if locale != full.catalog.default_locale:
            (directory / gettext_dir(locale) / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parent.parent
    extract_messages(root, directory)
    extract_services(full.catalog, directory, inline=yaml_only.catalog)
    click.echo(f"updated {directory}/messages.pot, services.pot and the .po files of {len(full.catalog.locales) - 1} locale(s)")


@i18n.command("status")
def i18n_status() -> None:
    """Per locale and domain: translated, fuzzy and missing entries."""
    from portal.catalog import load_catalog
    from portal.translations.extract import locales_on_disk
    from portal.translations.quality import Status, status

    directory = _translations_dir()
    rows = status(directory, locales_on_disk(directory))
    loaded = load_catalog(settings.load({"TESTING": True})["SERVICES"])
    if loaded.catalog is not None:
        # The source language is complete by definition; listing it keeps the table about every site language.
        total = next((r.total for r in rows if r.domain == "messages"), 0)
        source = loaded.catalog.default_locale.replace("-", "_")
        rows.insert(0, Status(source, "messages", total, total, 0))
        missing = {loc.replace("-", "_") for loc in loaded.catalog.locales} - {r.locale for r in rows}
        for locale in sorted(missing):
            rows.append(Status(locale, "messages", total, 0, 0))
    click.echo(f"{'locale':<9} {'domain':<9} {'translated':>10} {'fuzzy':>6} {'missing':>8} {'done':>7}")
    for row in rows:
        click.echo(f"{row.locale:<9} {row.domain:<9} {row.translated:>10} {row.fuzzy:>6} {row.missing:>8} {row.percent:>6.1f}%")


@i18n.command("check")
def i18n_check() -> None:
    """Fail on translations that would break a page: placeholders, HTML tags, plural forms, unreadable files."""
    from portal.translations.quality import check

    findings = check(_translations_dir())
    for finding in findings:
        click.echo(str(finding))
    if findings:
        raise click.ClickException(f"{len(findings)} problem(s) in the translations")
    click.echo("translations ok", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Run the portal for local use on the sample catalog (development settings)."""
    os.environ.setdefault("PORTAL_ENV", "development")
    os.environ.setdefault("PORTAL_COOKIE_SECURE", "0")
    # The sample agencies' intake hosts do not exist: deliveries go to var/delivered/ and the log instead.
    delivery = {} if "PORTAL_DELIVERY_OVERRIDE" in os.environ else {"DELIVERY_OVERRIDE": "log"}
    provider = _demo_sign_in(host, port)
    stop_worker = None
    try:
        app = _app(**delivery)
        click.echo(f"Serving {app.config['SERVICES']} on http://{host}:{port}/  (Ctrl+C to stop)")
        if app.config["DELIVERY_OVERRIDE"] == "log":
            click.echo(f"Form submissions are delivered to {app.config['DATA_DIR']}/delivered/ and the log.")
        if not app.config["WORKER_IN_APP"]:  # the demo delivers what residents send, for as long as it runs
            from portal.delivery.worker import start_in_app

            stop_worker = start_in_app(app)
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if stop_worker is not None:
            stop_worker.set()
        if provider is not None:
            provider.stop()


def _demo_sign_in(host: str, port: int) -> Any:
    """Sign-in for the demo: the configured provider, else the development provider on loopback, else off."""
    from portal.accounts.dev_provider import start_development_provider, why_unavailable

    if os.environ.get("PORTAL_OIDC_ISSUER") or os.environ.get("PORTAL_OIDC_PROVIDERS"):
        return None
    reason = why_unavailable()
    if reason:
        click.echo(f"Sign-in is off in this demo: the development sign-in provider needs node, and {reason}.")
        return None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    origins = sorted({f"http://{shown}:{port}", f"http://127.0.0.1:{port}", f"http://localhost:{port}"})
    provider = start_development_provider(origins)
    os.environ.update(provider.settings())
    click.echo(f"Sign-in works with the development provider at {provider.issuer}: any name, any password.")
    return provider


def _add_delivery_commands() -> None:
    from portal.delivery.cli import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_delivery_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
