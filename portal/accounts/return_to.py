"""Where a resident goes after signing in: only ever a path on this site (no open redirect)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000


def safe_return_path(value: str | None, default: str = "/") -> str | None:
    """The path to return to, `default` when none was given, or None when `value` could leave this site.

    Refused: anything with a scheme or host (`https://x`, `//x`), backslashes (`/\\x`, which browsers read as `//x`),
    control characters and spaces (browsers drop tabs and newlines, turning `/\\t/x` into `//x`), and the same tricks
    percent-encoded once or several times (`/%2F%2Fx`, `/%5Cx`).
    """
    if value is None or value == "":
        return default
    if len(value) > MAX_LENGTH:
        return None
    decoded = value
    for _ in range(4):
        if not _looks_local(decoded):
            return None
        once = unquote(decoded)
        if once == decoded:
            return value
        decoded = once
    return None  # still changing after four rounds of decoding: nobody needs that


def _looks_local(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    if "\\" in path or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc
