"""A small declarative schema language for the catalog: the base class and the scalars (`shapes` has the
structures built from them, `problems` what a check reports).

The same definitions drive two things: the validator (which walks YAML nodes so every problem carries its
file, line and column) and the JSON Schema that editors use (`portal schema`). Keeping both in one place means
they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from typing import Any, cast

import yaml

from .problems import Context, Position

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELD_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


_constructor = yaml.SafeLoader("")


def scalar_value(node: yaml.ScalarNode) -> Any:
    try:
        return cast(Any, _constructor).construct_object(node, deep=True)  # typed or not, depending on types-PyYAML
    finally:
        # PyYAML memoizes every node it constructs; left there, each load's whole node tree stays in memory
        # for the life of the process (~150 MB for 10,000 services, again at every reload).
        _constructor.constructed_objects.clear()


def type_name(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    scalar = cast(yaml.ScalarNode, node)
    value = scalar_value(scalar)
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a yes/no value ({scalar.value})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, dt.date):
        return f"a date ({value})"
    return f"text ({value!r})" if len(str(value)) < 40 else "text"


class Spec:
    """Validates one YAML node, returns its plain Python value (or None when invalid)."""

    description: str = ""

    def check(self, node: yaml.Node, ctx: Context) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def _schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema = {"description": self.description, **schema}
        return schema


class Str(Spec):
    def __init__(
        self,
        description: str = "",
        *,
        pattern: re.Pattern[str] | None = None,
        pattern_hint: str = "",
        enum: tuple[str, ...] = (),
        fmt: str = "",
        min_length: int = 1,
        max_length: int | None = None,
        ref: str = "",
        extra_check: Callable[[str, yaml.Node, Context], None] | None = None,
    ) -> None:
        self.description = description
        self.pattern = pattern
        self.pattern_hint = pattern_hint
        self.enum = enum
        self.fmt = fmt
        self.min_length = min_length
        self.max_length = max_length
        self.ref = ref
        self.extra_check = extra_check

    def check(self, node: yaml.Node, ctx: Context) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            ctx.error(node, f"expected text, found {type_name(node)}")
            return None
        raw = scalar_value(node)
        if raw is None:
            ctx.error(node, "expected text, found nothing (null)")
            return None
        if isinstance(raw, bool):
            ctx.error(node, f"expected text, found {type_name(node)}; put it in quotes: '{node.value}'")
            return None
        value = node.value if isinstance(raw, int | float | dt.date) else str(raw)
        if self.enum and value not in self.enum:
            close = difflib.get_close_matches(value, self.enum, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            ctx.error(node, f"'{value}' is not one of: {', '.join(self.enum)}{hint}")
            return None
        if len(value.strip()) < self.min_length:
            ctx.error(node, "must not be empty")
            return None
        if self.max_length is not None and len(value) > self.max_length:
            ctx.error(node, f"is {len(value)} characters long; at most {self.max_length} are allowed")
            return None
        if self.pattern is not None and not self.pattern.match(value):
            ctx.error(node, f"'{value}' is not {self.pattern_hint or 'in the expected form'}")
            return None
        if self.fmt and not _check_format(self.fmt, value, node, ctx):
            return None
        if self.extra_check is not None:
            self.extra_check(value, node, ctx)
        if self.ref:
            ctx.references.append((self.ref, value, Position.of(node, ctx.file)))
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern is not None:
            schema["pattern"] = self.pattern.pattern
        if self.fmt == "https-url":
            schema["pattern"] = r"^https://[^\s/$.?#].[^\s]*$"
            schema["format"] = "uri"
        elif self.fmt == "email":
            schema["format"] = "email"
        elif self.fmt == "hostname":
            schema["format"] = "hostname"
        elif self.fmt == "regex":
            schema["format"] = "regex"
        return self._schema(schema)


def _check_format(fmt: str, value: str, node: yaml.Node, ctx: Context) -> bool:
    if fmt == "https-url":
        lowered = value.strip().lower()
        if lowered.startswith(("javascript:", "data:", "vbscript:")):
            ctx.error(node, f"'{value}' is a script or data URL; only https:// links are allowed")
            return False
        if not lowered.startswith("https://"):
            ctx.error(node, f"'{value}' is not an https:// URL; residents may only be sent to https sites")
            return False
        host = host_of(value)
        if not host or not HOSTNAME_RE.match(host):
            ctx.error(node, f"'{value}' has no valid host name")
            return False
        if any(c.isspace() for c in value):
            ctx.error(node, f"'{value}' contains spaces; encode them as %20")
            return False
        return True
    if fmt == "email":
        if not EMAIL_RE.match(value):
            ctx.error(node, f"'{value}' is not an email address")
            return False
        return True
    if fmt == "hostname":
        if not HOSTNAME_RE.match(value):
            ctx.error(node, f"'{value}' is not a host name (write dmv.example.gov, without https:// or a path)")
            return False
        return True
    if fmt == "regex":
        try:
            re.compile(value)
        except re.error as exc:
            ctx.error(node, f"'{value}' is not a valid regular expression: {exc}")
            return False
        return True
    raise AssertionError(fmt)


def host_of(url: str) -> str:
    """The lower-case host of an absolute URL, or '' (tolerates a {lang} placeholder in the path)."""
    rest = url.split("://", 1)[1] if "://" in url else ""
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in host:  # user:password@host is a classic phishing trick
        return ""
    return host.split(":", 1)[0].lower()


class Bool(Spec):
    def __init__(self, description: str = "") -> None:
        self.description = description

    def check(self, node: yaml.Node, ctx: Context) -> bool | None:
        if isinstance(node, yaml.ScalarNode):
            value = scalar_value(node)
            if isinstance(value, bool):
                return value
        ctx.error(node, f"expected true or false, found {type_name(node)}")
        return None

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": "boolean"})


class Number(Spec):
    def __init__(self, description: str = "", *, integer: bool = False, minimum: float | None = None) -> None:
        self.description = description
        self.integer = integer
        self.minimum = minimum

    def check(self, node: yaml.Node, ctx: Context) -> float | int | None:
        if isinstance(node, yaml.ScalarNode):
            value = scalar_value(node)
            ok = isinstance(value, int) if self.integer else isinstance(value, int | float)
            if ok and not isinstance(value, bool):
                if self.minimum is not None and value < self.minimum:
                    ctx.error(node, f"must be at least {self.minimum:g}")
                    return None
                return cast(float | int, value)
        ctx.error(node, f"expected {'a whole number' if self.integer else 'a number'}, found {type_name(node)}")
        return None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        return self._schema(schema)


class Date(Spec):
    def __init__(self, description: str = "") -> None:
        self.description = description

    def check(self, node: yaml.Node, ctx: Context) -> dt.date | None:
        if isinstance(node, yaml.ScalarNode):
            try:
                value = scalar_value(node)
            except (ValueError, yaml.YAMLError):
                value = node.value
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    pass
        shown = node.value if isinstance(node, yaml.ScalarNode) else type_name(node)
        ctx.error(node, f"'{shown}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31")
        return None

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": "string", "format": "date"})


class Scalar(Spec):
    """Any text, number or date (used where either a number or a date is meaningful)."""

    def __init__(self, description: str = "") -> None:
        self.description = description

    def check(self, node: yaml.Node, ctx: Context) -> Any:
        if not isinstance(node, yaml.ScalarNode) or scalar_value(node) is None:
            ctx.error(node, f"expected a number, date or text, found {type_name(node)}")
            return None
        value = scalar_value(node)
        if isinstance(value, dt.date | bool):
            return node.value
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": ["string", "number"]})
