"""Where a resident goes after signing in: only ever a path on this site (no open redirect)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000


def safe_return_path(value: str | None, default: str = "/") -> str | None:
    """The path to return to, `default` when none was given, or None when `value` could leave this site.

    Refused: anything with a scheme or host (`https://x`, `//x`, `http:x`), backslashes (`/\\x`, which browsers read
    as `//x`), spaces and control characters (browsers drop tabs and newlines, turning `/\\t/x` into `//x`), and the
    same tricks percent-encoded in the path, once or several times (`/%2F%2Fx`, `/%5Cx`, `/%252F%252Fx`).
    """
    if value is None or value == "":
        return default
    if len(value) > MAX_LENGTH or "\\" in value or any(_control(ch) or ch == " " for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    path = re.split(r"[?#]", value, maxsplit=1)[0]
    for _ in range(4):
        if (
            not path.startswith("/")
            or path.startswith("//")
            or "\\" in path
            or any(_control(ch) for ch in path)
        ):
            return None
        decoded = unquote(path)
        if decoded == path:
            return value
        path = decoded
    return None  # still changing after four rounds of decoding: nobody needs that


def _control(ch: str) -> bool:
    return ord(ch) < 0x20 or ord(ch) == 0x7F
