"""The web layer: blueprints (thin), templates, static files, error pages, headers."""

from __future__ import annotations

from flask import Flask, Response

from . import accounts, api, pages, search, signed_in
from .compression import configure_compression
from .errors import configure_errors
from .forms import configure_forms
from .locale import configure_locale
from .render import configure_templates
from .security import configure_security
from .status_api import configure_status_api


def configure_web(app: Flask) -> None:
    configure_locale(app)
    configure_templates(app)
    configure_security(app)
    configure_compression(app)
    configure_errors(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(accounts.bp)
    app.jinja_env.globals["account_nav"] = signed_in.account_nav
    configure_forms(app)
    configure_status_api(app)
    app.register_blueprint(search.api_bp)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain", headers={"Cache-Control": "no-store"})
