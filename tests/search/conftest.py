from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app

CATALOG = Path(__file__).resolve().parents[1] / "data" / "search" / "services.yaml"


def search_config(data_dir: Path, services: Path = CATALOG, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "ENV": "development",
        "SERVICES": str(services),
        "DATA_DIR": str(data_dir),
        "COOKIE_SECURE": False,
        "RELOAD_INTERVAL": 0,
        "SEARCH_PAGE_SIZE": 3,
        "SEARCH_LOG_FLUSH_SECONDS": 0,
        "SEARCH_REFRESH_SECONDS": 0,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="module")
def search_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The test catalog, indexed once per module; read-only tests share it."""
    app = create_app(search_config(tmp_path_factory.mktemp("search") / "var"))
    yield app
    app.extensions["portal.db"].dispose()


@pytest.fixture
def web(search_app: Flask) -> FlaskClient:
    return search_app.test_client()


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """A writable copy of the test catalog."""
    target = tmp_path / "catalog"
    target.mkdir()
    shutil.copy(CATALOG, target / "services.yaml")
    return target / "services.yaml"


def ids(response: Any) -> list[str]:
    return [r["id"] for r in response.get_json()["results"]]
