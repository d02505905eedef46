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
    os.execvp(
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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Run the portal for local use on the sample catalog (development settings)."""
    os.environ.setdefault("PORTAL_ENV", "development")
    os.environ.setdefault("PORTAL_COOKIE_SECURE", "0")
    app = _app()
    click.echo(f"Serving {app.config['SERVICES']} on http://{host}:{port}/  (Ctrl+C to stop)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":  # pragma: no cover
    main()
