"""Limits and settings around hosted forms: request size, the delivery override, retention from the command line."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.test import EnvironBuilder

from portal import config
from portal.cli import main
from tests.forms_support import (
    FORMS,
    PDF,
    Applicant,
    forms_app,
    forms_catalog,
    open_database,
    store_submissions,
)


def test_a_request_bigger_than_the_upload_limit_gets_a_clear_page(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app, UPLOAD_MAX_MB=1).test_client())
    resident.get(resident.url("apply/badge"))
    builder = EnvironBuilder(
        path=resident.url("apply/badge"),
        method="POST",
        data={"csrf_token": resident.token, "badge_scan": (BytesIO(PDF + b"\0" * 2_000_000), "big.pdf")},
        content_type="multipart/form-data",
    )
    environ = builder.get_environ()
    try:  # a body this big is spooled to a temporary file that nobody reads (413), so nobody else closes it
        response = resident.client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 413
    assert "There is a problem" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["https://intake.example.gov/", "http://10.0.0.5/", "mail", "http://127.0.0.1.evil.example/"])
def test_the_delivery_override_only_goes_to_the_log_or_this_machine(value: str) -> None:
    with pytest.raises(config.ConfigError, match="PORTAL_DELIVERY_OVERRIDE"):
        config.load({"TESTING": True, "DELIVERY_OVERRIDE": value}, environ={})
    for ok in ("", "log", "http://127.0.0.1:8025/intake", "http://localhost"):
        assert config.load({"TESTING": True, "DELIVERY_OVERRIDE": ok}, environ={})["DELIVERY_OVERRIDE"] == ok


def test_portal_retention_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    db = open_database(url)
    store_submissions(db, forms_catalog(), tmp_path / "var", 2)
    env = {
        "PORTAL_ENV": "development",
        "PORTAL_SERVICES": str(FORMS),
        "PORTAL_DATA_DIR": str(tmp_path / "var"),
        "PORTAL_DATABASE_URL": url,
        "PORTAL_FORM_PROGRESS_DAYS": "0",
    }
    runner = CliRunner()
    dry = runner.invoke(main, ["retention", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "would delete: 0 submission(s), 2 unfinished form(s)" in dry.output
    done = runner.invoke(main, ["retention"], env=env)
    assert "deleted: 0 submission(s), 2 unfinished form(s), 0 file(s)" in done.output
    db.dispose()
