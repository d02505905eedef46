"""A small declarative schema language for the catalog.

The same definitions drive two things: the validator (which walks YAML nodes so every problem carries its
file, line and column) and the JSON Schema that editors use (`portal schema`). Keeping both in one place means
they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELD_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


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


class ListOf(Spec):
    def __init__(self, item: Spec, description: str = "", *, min_items: int = 0, unique: bool = False) -> None:
        self.item = item
        self.description = description
        self.min_items = min_items
        self.unique = unique

    def check(self, node: yaml.Node, ctx: Context) -> list[Any] | None:
        if not isinstance(node, yaml.SequenceNode):
            ctx.error(node, f"expected a list, found {type_name(node)}")
            return None
        if len(node.value) < self.min_items:
            ctx.error(node, f"needs at least {self.min_items} item{'s' if self.min_items > 1 else ''}")
        values = []
        seen: set[Any] = set()
        for child in node.value:
            value = self.item.check(child, ctx)
            if value is None:
                continue
            if self.unique and isinstance(value, str):
                if value in seen:
                    ctx.error(child, f"'{value}' is listed twice")
                    continue
                seen.add(value)
            values.append(value)
        return values

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.unique:
            schema["uniqueItems"] = True
        return self._schema(schema)


@dataclass(frozen=True)
class Field:
    spec: Spec
    required: bool = False


class Obj(Spec):
    def __init__(self, fields: Mapping[str, Field], description: str = "", *, name: str = "") -> None:
        self.fields = dict(fields)
        self.description = description
        self.name = name  # e.g. "service": used in messages

    def check(self, node: yaml.Node, ctx: Context) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            ctx.error(node, f"expected a mapping ({self.name or 'key: value pairs'}), found {type_name(node)}")
            return None
        result: dict[str, Any] = {}
        invalid: set[str] = set()
        suggested: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or not isinstance(key, str):
                ctx.error(key_node, "keys must be plain words")
                continue
            if key in result or key in invalid:
                ctx.error(key_node, f"'{key}' is given twice")
                continue
            spec_field = self.fields.get(key)
            if spec_field is None:
                close = difflib.get_close_matches(key, list(self.fields), n=1, cutoff=0.6)
                suggested.update(close)
                where = f" in {self.name}" if self.name else ""
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f"; allowed keys are: {', '.join(self.fields)}"
                )
                ctx.error(key_node, f"unknown key '{key}'{where}{hint}")
                continue
            value = spec_field.spec.check(value_node, ctx)
            if value is None:
                invalid.add(key)
                continue
            result[key] = value
        for key, spec_field in self.fields.items():
            if spec_field.required and key not in result and key not in invalid and key not in suggested:
                where = f" {self.name}" if self.name else ""
                ident = _ident(node)
                ctx.error(node, f"{where.strip() or 'this entry'}{ident} is missing required key '{key}'")
        # Partial results are kept so cross-file checks still run; a catalog with errors is never built.
        result["__position__"] = Position.of(node, ctx.file)
        return result

    def json_schema(self) -> dict[str, Any]:
        return self._schema(
            {
                "type": "object",
                "properties": {k: f.spec.json_schema() for k, f in self.fields.items()},
                "required": [k for k, f in self.fields.items() if f.required],
                "additionalProperties": False,
            }
        )


def _ident(node: yaml.MappingNode) -> str:
    for key_node, value_node in node.value:
        if getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode):
            return f" '{value_node.value}'"
    return ""


class Tagged(Spec):
    """A mapping whose `type` key chooses which object spec applies (delivery)."""

    def __init__(self, variants: Mapping[str, Obj], description: str = "", *, tag: str = "type") -> None:
        self.variants = dict(variants)
        self.description = description
        self.tag = tag

    def check(self, node: yaml.Node, ctx: Context) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            ctx.error(node, f"expected a mapping with '{self.tag}: ...', found {type_name(node)}")
            return None
        tag_value = None
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == self.tag and isinstance(value_node, yaml.ScalarNode):
                tag_value = value_node.value
                tag_node = value_node
        if tag_value is None:
            ctx.error(node, f"missing '{self.tag}'; choose one of: {', '.join(self.variants)}")
            return None
        variant = self.variants.get(tag_value)
        if variant is None:
            close = difflib.get_close_matches(tag_value, list(self.variants), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            ctx.error(tag_node, f"'{tag_value}' is not one of: {', '.join(self.variants)}{hint}")
            return None
        return variant.check(node, ctx)

    def json_schema(self) -> dict[str, Any]:
        branches = []
        for name, variant in self.variants.items():
            schema = variant.json_schema()
            schema["properties"] = {**schema["properties"], self.tag: {"const": name}}
            branches.append(
                {"if": {"properties": {self.tag: {"const": name}}, "required": [self.tag]}, "then": schema}
            )
        return self._schema(
            {
                "type": "object",
                "required": [self.tag],
                "properties": {self.tag: {"enum": list(self.variants)}},
                "allOf": branches,
            }
        )


class MapOf(Spec):
    """A mapping with free keys (checked by key_spec) and uniform values."""

    def __init__(self, key: Str, value: Spec, description: str = "") -> None:
        self.key = key
        self.value = value
        self.description = description

    def check(self, node: yaml.Node, ctx: Context) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            ctx.error(node, f"expected a mapping, found {type_name(node)}")
            return None
        result = PositionedDict()
        for key_node, value_node in node.value:
            key = self.key.check(key_node, ctx)
            if key is None:
                continue
            if key in result:
                ctx.error(key_node, f"'{key}' is given twice")
                continue
            value = self.value.check(value_node, ctx)
            if value is not None:
                result[key] = value
                result.positions[key] = Position.of(key_node, ctx.file)
        return result

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "additionalProperties": self.value.json_schema()}
        if self.key.pattern is not None:
            schema["propertyNames"] = {"pattern": self.key.pattern.pattern}
        return self._schema(schema)


class PositionedDict(dict[str, Any]):
    """A mapping that remembers where each key was written."""

    def __init__(self) -> None:
        super().__init__()
        self.positions: dict[str, Position] = {}


class Localized(Spec):
    """Plain text (in the default locale), or a mapping locale -> text."""

    def __init__(self, inner: Spec, description: str = "") -> None:
        self.inner = inner
        self.description = description

    def check(self, node: yaml.Node, ctx: Context) -> Localization | None:
        if isinstance(node, yaml.MappingNode):
            values: dict[str, Any] = {}
            for key_node, value_node in node.value:
                locale = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
                if not isinstance(locale, str) or not LOCALE_RE.match(locale):
                    ctx.error(key_node, f"'{locale}' is not a language tag like en, es or zh-Hans")
                    continue
                if locale in values:
                    ctx.error(key_node, f"language '{locale}' is given twice")
                    continue
                ctx.locale_uses.append((locale, Position.of(key_node, ctx.file)))
                value = self.inner.check(value_node, ctx)
                if value is not None:
                    values[locale] = value
            if not values:
                ctx.error(node, "needs at least one language")
                return None
            return Localization(values, Position.of(node, ctx.file), explicit=True)
        value = self.inner.check(node, ctx)
        if value is None:
            return None
        return Localization({"": value}, Position.of(node, ctx.file), explicit=False)

    def json_schema(self) -> dict[str, Any]:
        inner = self.inner.json_schema()
        return self._schema(
            {
                "anyOf": [
                    inner,
                    {
                        "type": "object",
                        "propertyNames": {"pattern": LOCALE_RE.pattern},
                        "additionalProperties": inner,
                        "minProperties": 1,
                    },
                ]
            }
        )


@dataclass
class Localization:
    """A localized value as read from YAML; the key '' means "the default locale" until resolved."""

    values: dict[str, Any]
    position: Position
    explicit: bool
