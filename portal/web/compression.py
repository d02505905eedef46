"""Compressed responses (flask-compress): HTML, CSS, JSON and SVG go out zstd, brotli or gzip encoded when the
browser accepts it, so a page and its stylesheet stay small on a slow phone connection.

A response to a request with a session (a CSRF token, a signed-in resident's details may be on the page) goes
out uncompressed: compressing a secret on the same page as text an attacker can choose (a search query) leaks
the secret through the compressed size (the BREACH attack). Static files hold no secrets and are always compressed.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

MIMETYPES = ["text/html", "text/css", "text/plain", "application/json", "image/svg+xml", "text/javascript"]


def may_hold_secrets(response: Response, session_cookie: str) -> bool:
    if request.endpoint == "static":
        return False
    if session_cookie in request.cookies:
        return True
    return any(c.startswith(session_cookie + "=") for c in response.headers.getlist("Set-Cookie"))


def configure_compression(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    # Brotli first: our pages come out ~10% smaller than with gzip or zstd.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "zstd"])
    app.config["COMPRESS_REGISTER"] = False  # applied below, to responses that hold no secret
    compress = Compress(app)
    session_cookie = app.config["SESSION_COOKIE_NAME"]
    compressible = set(app.config["COMPRESS_MIMETYPES"])

    @app.after_request
    def compressed(response: Response) -> Response:
        if may_hold_secrets(response, session_cookie):
            return response
        if response.direct_passthrough and response.mimetype in compressible:
            # A static file streams from disk; read our small text files into memory instead, so they are
            # compressed in one piece and the file is still closed with the response (make_sequence sees to it).
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
