"""The portal: every agency's services behind one door."""

from __future__ import annotations

from typing import Any


def create_app(config: dict[str, Any] | None = None) -> Any:
    """Build the Flask app. `config` overrides settings (keys as in portal.config, with or without PORTAL_)."""
    from portal.app import make_app

    return make_app(config)
