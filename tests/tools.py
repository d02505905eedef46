"""Tests that need an outside tool skip when it is missing, except in CI (PORTAL_TEST_REQUIRE_ALL=1), where they fail."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ALL = os.environ.get("PORTAL_TEST_REQUIRE_ALL") == "1"


def missing(reason: str) -> None:
    """Skip (locally) or fail (in CI) with the same reason."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (PORTAL_TEST_REQUIRE_ALL=1: nothing may be skipped)")
    pytest.skip(reason)


def require_tool(name: str, path: str | None = None) -> str:
    found = path if path and os.path.exists(path) else shutil.which(name)
    if not found:
        missing(f"needs {name}, which is not installed here")
    assert found is not None
    return found


def postgres_url() -> str:
    url = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
    if not url:
        missing("needs PostgreSQL: set PORTAL_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    try:
        import sqlalchemy

        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        missing(f"PostgreSQL at {url} is not reachable: {exc}")
    return url
