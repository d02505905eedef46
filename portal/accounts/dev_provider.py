"""The development OpenID provider (tests/node/oidc_provider.mjs) for `portal demo`: started on loopback when node
and its packages are there, so sign-in works on a laptop with no identity provider of its own."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parents[2] / "tests" / "node"


@dataclass
class DevelopmentProvider:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    process: subprocess.Popen[str] = field(repr=False)

    def settings(self) -> dict[str, str]:
        """The PORTAL_OIDC_* variables that point the portal at this provider."""
        return {
            "PORTAL_OIDC_ISSUER": self.issuer,
            "PORTAL_OIDC_CLIENT_ID": self.client_id,
            "PORTAL_OIDC_CLIENT_SECRET": self.client_secret,
            "PORTAL_OIDC_NAME": "Development sign-in",
            "PORTAL_OIDC_ACR_LEVELS": "urn:portal:dev:acr:basic urn:portal:dev:acr:verified",
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.communicate(timeout=5)  # also closes the pipes
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()


def why_unavailable(node_dir: Path | None = None) -> str:
    """ "" when the development provider can start here; otherwise what is missing, in words."""
    node_dir = node_dir or NODE_DIR
    if shutil.which("node") is None:
        return "node is not installed"
    if not (node_dir / "node_modules" / "oidc-provider").is_dir():
        return f"its packages are not installed (run `npm ci` in {node_dir})"
    return ""


def start_development_provider(
    portal_origins: list[str], node_dir: Path | None = None
) -> DevelopmentProvider:
    """Start the provider on 127.0.0.1 (any free port) with one client for the portal at `portal_origins`."""
    node_dir = node_dir or NODE_DIR
    node = shutil.which("node")
    if node is None or why_unavailable(node_dir):
        raise RuntimeError(f"the development sign-in provider cannot start: {why_unavailable(node_dir)}")
    secret = secrets.token_urlsafe(32)
    client = {
        "client_id": "portal-demo",
        "client_secret": secret,
        "redirect_uris": [f"{o.rstrip('/')}/auth/callback" for o in portal_origins],
        "post_logout_redirect_uris": [f"{o.rstrip('/')}/auth/signed-out" for o in portal_origins],
    }
    env = {
        **os.environ,
        "OIDC_CLIENTS": json.dumps([client]),
        "OIDC_HOST": "127.0.0.1",
        "OIDC_PORT": "0",
        "OIDC_EXIT_WITH_STDIN": "1",
    }
    process = subprocess.Popen(
        [node, "oidc_provider.mjs"],
        cwd=node_dir,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # the script prints {"issuer": ...} once it listens
    try:
        issuer = str(json.loads(line)["issuer"])
    except (ValueError, KeyError, TypeError):
        process.kill()
        raise RuntimeError("the development sign-in provider did not start") from None
    return DevelopmentProvider(issuer=issuer, client_id="portal-demo", client_secret=secret, process=process)
