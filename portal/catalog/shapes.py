"""The catalog schema's structures: lists, objects, tagged variants, maps and localized values (`spec` has the
scalars and the base class). Each validates a YAML node with positions and describes itself as JSON Schema."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .problems import Context, Position
from .spec import LOCALE_RE, Spec, Str, type_name


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
