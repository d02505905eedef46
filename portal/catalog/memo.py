"""What is worked out once per catalog: `per_catalog` remembers a function's answers for the catalog being served.

Keyed on the catalog's digest and arguments, and checked against the very catalog object: a translations update
reloads the catalog with the same YAML digest and new text, and must not be answered from the old one. A reload
makes a new catalog, so the cache is emptied when it fills (a site serves one catalog at a time; tests many).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import TypeVar

from .model import Catalog

T = TypeVar("T")


def per_catalog(limit: int = 64) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        answers: dict[tuple[Hashable, ...], tuple[Catalog, T]] = {}

        @functools.wraps(fn)
        def remembered(catalog: Catalog, *args: Hashable) -> T:
            key = (catalog.digest, *args)
            found = answers.get(key)
            if found is None or found[0] is not catalog:
                if len(answers) >= limit:
                    answers.clear()
                found = answers[key] = (catalog, fn(catalog, *args))
            return found[1]

        return remembered

    return decorate


__all__ = ["per_catalog"]
