"""Agencies report progress on a submission: POST /api/submissions/<reference>/status (HMAC-signed, no CSRF)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.wrappers import Response

from portal.delivery.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER
from portal.delivery.status import StatusRefused, receive_status
from portal.web.context import catalog, database

bp = Blueprint("status_api", __name__, url_prefix="/api/submissions")


@bp.post("/<reference>/status")
def report(reference: str) -> tuple[Response, int]:
    try:
        done = receive_status(
            database(),
            catalog(),
            reference,
            request.get_data(cache=False),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
            max_skew=int(current_app.config["STATUS_MAX_SKEW_SECONDS"]),
        )
    except StatusRefused as exc:
        return jsonify({"error": exc.message, "status": exc.code}), exc.code
    return jsonify({"reference": done.reference, "status": done.status, "note": done.note}), 200


def configure_status_api(app: Flask) -> None:
    app.register_blueprint(bp)
    # Signed by the agency's secret instead: a CSRF token means nothing to a server-to-server call.
    app.extensions["csrf"].exempt(bp)
