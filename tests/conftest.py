from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

MINIMAL = """\
agencies:
  - id: dmv
    name: Department of Motor Vehicles
    url: https://dmv.example.gov
services:
  - id: renew-license
    agency: dmv
    title: Renew your driver's license
    summary: Renew it online in ten minutes.
    delivery: {type: redirect, url: https://dmv.example.gov/renew}
"""


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    apps: list[Flask] = []

    def factory(services: Path | str | None = None, **overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "ENV": "development",
            "SERVICES": str(services or ROOT / "services.yaml"),
            "DATA_DIR": str(tmp_path / "var"),
            "COOKIE_SECURE": False,
            "RELOAD_INTERVAL": 0,
            "WTF_CSRF_ENABLED": True,
        }
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["portal.db"].dispose()


@pytest.fixture(scope="session")
def sample_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The repository's own catalog, shared by read-only tests."""
    app = create_app(
        {
            "TESTING": True,
            "ENV": "development",
            "SERVICES": str(ROOT / "services.yaml"),
            "DATA_DIR": str(tmp_path_factory.mktemp("sample") / "var"),
            "COOKIE_SECURE": False,
            "RELOAD_INTERVAL": 0,
        }
    )
    yield app
    app.extensions["portal.db"].dispose()


@pytest.fixture
def client(sample_app: Flask) -> FlaskClient:
    return sample_app.test_client()


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A writable copy of a minimal catalog, for tests that edit files."""
    d = tmp_path / "catalog"
    d.mkdir()
    (d / "services.yaml").write_text(MINIMAL)
    return d


def copy_sample(dest: Path) -> Path:
    """A writable copy of the repository's sample catalog (services.yaml + services.d + translations)."""
    shutil.copy(ROOT / "services.yaml", dest / "services.yaml")
    shutil.copytree(ROOT / "services.d", dest / "services.d")
    if (ROOT / "translations").is_dir():
        shutil.copytree(ROOT / "translations", dest / "translations")
    return dest / "services.yaml"
