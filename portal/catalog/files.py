"""The files a catalog is made of: read, parsed with positions, and found through `include` globs.

Each file read is recorded with its modification time and size as they were just before reading it, and so is
each directory an include glob searches (before globbing), so a running site can tell a later edit from what it
loaded (see store.CatalogStore).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .definitions import CATALOG_FILE
from .problems import Context, Position, Problem

# libyaml's parser where PyYAML has it (the wheels do): ~6x faster on big catalogs, same nodes and marks. A file
# it rejects is parsed again by the pure-Python parser, whose messages and positions authors are shown.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str) -> yaml.Node | None:
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


FileStat = tuple[str, int, int]  # (path, modification time in ns, size); (path, -1, -1): cannot be read


def file_stat(path: str | os.PathLike[str]) -> FileStat:
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size)


@dataclass
class CatalogFile:
    path: Path
    shown: str  # path as shown in messages (relative to the working directory when possible)
    data: dict[str, Any]
    raw: bytes


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def read_file(path: Path, ctx: Context, read: list[FileStat]) -> tuple[dict[str, Any] | None, bytes]:
    read.append(file_stat(path))  # before reading: an edit after this is seen by the next check
    try:
        raw = path.read_bytes()
    except OSError as exc:
        ctx.problems.append(Problem(Position(ctx.file, 1, 1), f"cannot read file: {exc.strerror or exc}"))
        return None, b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        ctx.problems.append(Problem(Position(ctx.file, 1, 1), f"file is not UTF-8 text ({exc.reason} at byte {exc.start})"))
        return None, raw
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = str(exc.problem or exc.context or "syntax error")
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            message += f" ({exc.context} that started at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
        elif exc.context:
            message = f"{exc.context}: {message}"
        ctx.problems.append(Problem(Position(ctx.file, line, col), f"this is not valid YAML: {message}"))
        return None, raw
    except yaml.YAMLError as exc:
        ctx.problems.append(Problem(Position(ctx.file, 1, 1), f"this is not valid YAML: {exc}"))
        return None, raw
    if node is None:
        return {}, raw
    data = CATALOG_FILE.check(node, ctx)
    return data, raw


def glob_root(base: Path, pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    root = base.joinpath(*fixed) if fixed else base
    return root if root.is_dir() or not fixed else root.parent


def position_of(data: Mapping[str, Any], file: str) -> Position:
    pos = data.get("__position__")
    return pos if isinstance(pos, Position) else Position(file, 1, 1)


def includes(top: Path, data: dict[str, Any], ctx: Context, read: list[FileStat]) -> Iterable[tuple[Path, Position]]:
    seen: set[Path] = {top.resolve()}
    for pattern in data.get("include", []):
        base = top.parent
        full = str(base / pattern)
        if glob.has_magic(pattern):  # stat the directories before globbing: a file added later is seen next check
            root = glob_root(base, pattern)
            read.append(file_stat(root))
            if any(glob.has_magic(part) for part in Path(pattern).parts[:-1]):  # services.d/*/x.yaml, **
                for directory, _subdirs, _files in os.walk(root):
                    if directory != str(root):
                        read.append(file_stat(directory))
        matches = sorted(glob.glob(full, recursive=True)) if glob.has_magic(pattern) else [full]
        if not matches:
            ctx.problems.append(Problem(Position(ctx.file, 1, 1), f"include '{pattern}' matches no file", "warning"))
        for match in matches:
            p = Path(match)
            if not p.exists():
                read.append(file_stat(p))  # watched all the same: creating it is an edit
                ctx.problems.append(Problem(Position(ctx.file, 1, 1), f"included file '{pattern}' does not exist"))
                continue
            if p.resolve() in seen:
                continue
            seen.add(p.resolve())
            yield p, Position(ctx.file, 1, 1)
