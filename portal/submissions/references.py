"""References residents read out on the phone: DMV-7K3Q-9XPA.

The alphabet leaves out letters and digits people confuse (0/O, 1/I/L, U/V) and vowels enough to avoid most
words; 8 characters of 28 give 3.8e11 references per prefix, and the database's unique constraint catches the rare
collision (the caller draws again).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_RE = re.compile(r"^[A-Z]{2,5}-[" + ALPHABET + r"]{4}-[" + ALPHABET + r"]{4}$")


def new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def normalize_reference(text: str) -> str:
    """What a resident or agency typed -> the canonical form (upper case, no surrounding spaces)."""
    return text.strip().upper()


def looks_like_reference(text: str) -> bool:
    return bool(REFERENCE_RE.match(text))
