"""`portal demo` signs in with the development provider when node is there, and runs without sign-in when not."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask import Flask

from portal.accounts import dev_provider
from portal.cli import main
from tests.tools import require_tool

from .conftest import CATALOG, NODE_DIR

DEMO_ENV = (
    "PORTAL_OIDC_ISSUER",
    "PORTAL_OIDC_PROVIDERS",
    "PORTAL_OIDC_CLIENT_ID",
    "PORTAL_OIDC_CLIENT_SECRET",
    "PORTAL_OIDC_NAME",
    "PORTAL_OIDC_ACR_LEVELS",
    "PORTAL_COOKIE_SECURE",
)


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Flask]:
    for name in DEMO_ENV:
        monkeypatch.setenv(name, "")  # restored (to unset) after the test, whatever the demo writes
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORTAL_SERVICES", str(CATALOG))
    served: list[Flask] = []

    def run(app: Flask, **_: Any) -> None:
        served.append(app)
        issuer = app.config["OIDC_ISSUER"]
        if issuer:  # while the demo runs, its provider answers and the portal sends residents to it
            assert requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5).status_code == 200
            login = app.test_client().get("/auth/login?next=/en/")
            assert login.status_code == 303 and login.headers["Location"].startswith(issuer)
            served.append(issuer)  # type: ignore[arg-type]

    monkeypatch.setattr(Flask, "run", run)
    return served


def test_demo_runs_with_the_development_provider(demo_env: list[Any]) -> None:
    require_tool("node")
    if dev_provider.why_unavailable():
        pytest.skip(dev_provider.why_unavailable())
    result = CliRunner().invoke(main, ["demo", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert "Sign-in works with the development provider" in result.output
    app, issuer = demo_env
    with pytest.raises(requests.ConnectionError):  # stopped with the demo
        requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5)


def test_demo_without_node_packages_runs_with_sign_in_off(
    demo_env: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dev_provider, "NODE_DIR", Path("/nonexistent"))
    result = CliRunner().invoke(main, ["demo", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert "Sign-in is off in this demo" in result.output
    (app,) = demo_env
    assert "Sign-in is not available" in app.test_client().get("/auth/login").get_data(as_text=True)


def test_why_the_development_provider_cannot_start_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dev_provider.NODE_DIR == NODE_DIR  # the provider the tests use is the demo's
    if shutil.which("node"):
        assert f"run `npm ci` in {tmp_path}" in dev_provider.why_unavailable(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert dev_provider.why_unavailable() == "node is not installed"
