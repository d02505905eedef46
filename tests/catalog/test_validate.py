"""What an agency author sees from `portal validate`: every problem, with file:line:col, and the right exit code."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.catalog import load_catalog
from portal.cli import main
from tests.conftest import DATA, MINIMAL, ROOT

BAD_FILES = sorted(p.name for p in (DATA / "catalogs").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (error|warning) (\d+):(\d+) (.*)$")


def expectations(path: Path) -> list[tuple[str, int, int, str]]:
    found = []
    for line in path.read_text().splitlines():
        m = EXPECT.match(line)
        if m:
            found.append((m[1], int(m[2]), int(m[3]), m[4]))
    return found


@pytest.mark.parametrize("name", BAD_FILES)
def test_each_problem_is_reported_at_its_line_and_column(name: str) -> None:
    path = DATA / "catalogs" / name
    expected = expectations(path)
    assert expected, f"{name} has no '# expect:' lines"
    result = load_catalog(path, today=dt.date(2026, 11, 22))
    got = [(p.severity, p.position.line, p.position.column, p.message) for p in result.problems]
    assert got == expected
    assert all(p.position.file.endswith(name) for p in result.problems)
    has_errors = any(e[0] == "error" for e in expected)
    assert (result.catalog is None) is has_errors


def test_cli_prints_file_line_col_and_exits_1_on_errors() -> None:
    path = DATA / "catalogs" / "references.yaml"
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(lines) == 4
    assert re.match(r"^.*references\.yaml:18:13: error: unknown agency 'dvm'; did you mean 'dmv'\?$", lines[1])


def test_cli_exits_0_on_warnings_only_and_2_on_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", str(DATA / "catalogs" / "warnings.yaml")])
    assert ok.exit_code == 0
    assert "warning: best_bets[en]['license'] lists service 'old', which is inactive" in ok.output
    assert runner.invoke(main, ["validate", str(tmp_path / "absent.yaml")]).exit_code == 2
    assert runner.invoke(main, ["validate", "--no-such-flag"]).exit_code == 2


def test_cli_json_output_lists_problems() -> None:
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(DATA / "catalogs" / "unknown-keys.yaml")])
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert {"file", "line", "column", "severity", "message"} <= set(data["problems"][0])


def test_duplicate_ids_across_files_and_portal_outside_the_top_file() -> None:
    result = load_catalog(DATA / "catalogs" / "dup" / "services.yaml")
    messages = [str(p) for p in result.errors]
    assert any(
        "b.yaml:3:5: error: service id 'renew' is already used at" in m and m.endswith("a.yaml:2:5") for m in messages
    ), messages
    assert any("b.yaml:1:1: error: 'portal' is only allowed in the top file" in m for m in messages)


def test_the_smallest_catalog_is_valid(tmp_path: Path) -> None:
    (tmp_path / "services.yaml").write_text(MINIMAL)
    result = load_catalog(tmp_path / "services.yaml")
    assert result.problems == []
    assert result.catalog is not None
    assert result.catalog.locales == ("en",)
    assert result.catalog.services["renew-license"].title["en"] == "Renew your driver's license"


def test_the_sample_catalog_is_valid_and_big_enough() -> None:
    result = load_catalog(ROOT / "services.yaml")
    assert result.errors == []
    cat = result.catalog
    assert cat is not None
    assert len(cat.services) >= 60
    assert len(cat.agencies) >= 12
    content_locales = ("en", "es", "zh-Hans", "vi", "ar")
    for service in cat.services.values():
        for locale in content_locales:
            assert service.title.has(locale) and service.summary.has(locale), (service.id, locale)
    kinds = [s.delivery.type for s in cat.services.values()]
    assert kinds.count("redirect") >= 10
    assert kinds.count("form") >= 3


def test_a_new_file_in_an_include_glob_joins_the_catalog(tmp_path: Path) -> None:
    shutil.copytree(DATA / "catalogs" / "dup", tmp_path / "c")
    (tmp_path / "c" / "services.d" / "b.yaml").unlink()
    result = load_catalog(tmp_path / "c" / "services.yaml")
    assert result.catalog is not None
    assert list(result.catalog.services) == ["renew"]


def test_schema_command_prints_the_json_schema_the_repository_ships() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"].startswith("http://json-schema.org/draft-07")
    service = schema["properties"]["services"]["items"]
    assert set(service["required"]) == {"id", "agency", "title", "summary", "delivery"}
    assert "contcat" not in service["properties"]
    assert service["additionalProperties"] is False
    shipped = json.loads((ROOT / "services.schema.json").read_text())
    assert shipped == schema, "services.schema.json is stale: run `portal schema -o services.schema.json`"
