"""Error pages a resident can act on (HTML), and JSON errors under /api."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)


def _render(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if request.path.startswith("/api/"):
        return jsonify({"error": error.name, "status": code, "message": error.description}), code
    try:
        return render_template("errors/error.html", code=code, error=error), code
    except Exception:  # the error page itself must never fail: fall back to plain text
        log.exception("error page failed to render")
        return f"{code} {error.name}", code


def configure_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response | str, int]:
        return _render(error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response | str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError())
