#!/usr/bin/env python3
"""Two commands that work on a fresh machine with only Python 3.11+:

    python3 tasks.py run    install into .venv and serve the sample catalog on http://127.0.0.1:5000
    python3 tasks.py test   install into .venv and run every check (ruff, mypy, i18n check, pytest)

Nothing else is needed: SQLite and a local search index live in ./var.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def sh(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def install(extras: str = "") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (tell users of older Pythons why, instead of failing oddly)
        sys.exit("Python 3.11 or newer is needed (this is " + sys.version.split()[0] + ")")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed{extras}"
    pyproject = ROOT / "pyproject.toml"
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        sh(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f".{extras}")
        stamp.touch()
    sh(PY, "-m", "portal", "i18n", "compile", "--quiet")


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def node_packages() -> None:
    """npm ci in tests/node (the development sign-in provider) when node is here and the lock file changed."""
    node_dir = ROOT / "tests" / "node"
    lock, installed = node_dir / "package-lock.json", node_dir / "node_modules" / ".package-lock.json"
    if not node_available() or not lock.exists():
        return
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    print("+ npm ci (tests/node)", flush=True)
    npm = [str(shutil.which("npm")), "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    if subprocess.run(npm, cwd=node_dir).returncode != 0:
        print("npm ci failed: sign-in in the demo and its tests need tests/node/node_modules", flush=True)


def run() -> None:
    install()
    node_packages()
    env = {
        **os.environ,
        "PORTAL_ENV": os.environ.get("PORTAL_ENV", "development"),
        "PORTAL_COOKIE_SECURE": os.environ.get("PORTAL_COOKIE_SECURE", "0"),
        "PORTAL_WORKER_IN_APP": os.environ.get("PORTAL_WORKER_IN_APP", "1"),
    }
    sh(PY, "-m", "portal", "demo", env=env)


def test() -> None:
    install("[test]")
    node_packages()
    sh(BIN / "ruff", "check", ".")
    sh(BIN / "mypy", "portal")
    sh(PY, "-m", "pytest", *sys.argv[2:])


if __name__ == "__main__":
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
