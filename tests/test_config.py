"""Operators configure the portal with PORTAL_* variables; mistakes get a message that says what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portal import config
from tests.conftest import ROOT


def test_defaults_need_nothing_but_a_secret_key_outside_development(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="PORTAL_SECRET_KEY is not set"):
        config.load(environ={"PORTAL_DATA_DIR": str(tmp_path)})
    values = config.load(environ={"PORTAL_DATA_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "x" * 40})
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve()}/portal.sqlite3"
    assert values["COOKIE_SECURE"] is True


def test_environment_overrides_are_typed_and_checked(tmp_path: Path) -> None:
    env = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path), "PORTAL_COOKIE_SECURE": "0", "PORTAL_SEARCH_PAGE_SIZE": "25"}
    values = config.load(environ=env)
    assert values["COOKIE_SECURE"] is False
    assert values["SEARCH_PAGE_SIZE"] == 25
    with pytest.raises(config.ConfigError, match="PORTAL_COOKIE_SECURE"):
        config.load(environ={**env, "PORTAL_COOKIE_SECURE": "maybe"})


def test_development_key_is_shared_by_workers(tmp_path: Path) -> None:
    env = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)}
    assert config.load(environ=env)["SECRET_KEY"] == config.load(environ=env)["SECRET_KEY"]


def test_flask_run_works_with_only_portal_variables(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PORTAL_SERVICES": str(ROOT / "services.yaml"),
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_SECRET_KEY": "k" * 40,
    }
    script = "from flask.cli import ScriptInfo; app = ScriptInfo(app_import_path='portal').load_app(); print(app.name)"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "portal"
