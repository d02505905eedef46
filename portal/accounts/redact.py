"""Keep sign-in credentials out of logs that print URLs (the development server's and gunicorn's access logs).

The provider sends the resident back to /auth/callback?code=...&state=...; sign-out sends id_token_hint. A request
log line would otherwise carry them.
"""

from __future__ import annotations

import logging
import re

SENSITIVE = re.compile(
    r"(?P<name>\b(?:code|state|nonce|id_token_hint|id_token|access_token|refresh_token|client_secret|"
    r"client_assertion|code_verifier|token)=)[^&\s\"']+",
    re.IGNORECASE,
)
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return SENSITIVE.sub(r"\g<name>[redacted]", text)


class RedactCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_redaction() -> None:
    """Add the filter to the loggers that write request lines (once, however many apps are built)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())
