"""What is wrong in a catalog, and where: a position in a file, a problem there, and what a walk over one file
collects (problems, and the references and languages to check once every file is read)."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml


@dataclass(frozen=True)
class Position:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    @classmethod
    def of(cls, node: yaml.Node, file: str) -> Position:
        return cls(file, node.start_mark.line + 1, node.start_mark.column + 1)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    position: Position
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        return f"{self.position}: {self.severity}: {self.message}"


@dataclass
class Context:
    """What a walk over one file collects: problems, and checks that need the whole catalog."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    # (kind, id, position) for every reference to check once all files are read
    references: list[tuple[str, str, Position]] = field(default_factory=list)
    # (locale, position) for every locale key used in a localized value
    locale_uses: list[tuple[str, Position]] = field(default_factory=list)

    def error(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(Position.of(node, self.file), message))

    def warning(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(Position.of(node, self.file), message, "warning"))
