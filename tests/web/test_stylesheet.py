"""The one stylesheet stays well formed: merging blocks into it once left `@media print {` unclosed, which quietly
moved every rule after it (search results, suggestions) into print only."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "portal" / "web" / "static" / "portal.css"


def test_every_block_is_closed_and_no_media_query_opens_inside_another() -> None:
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)  # comments may hold braces
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("@media"):
            assert depth == 0, f"portal.css:{number}: @media inside an unclosed block"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"portal.css:{number}: a closing brace too many"
    assert depth == 0, "portal.css: a block is never closed"
