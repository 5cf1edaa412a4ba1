"""Is the generated AsyncAPI document compatible with the last released one?

`docs/asyncapi.released.yaml` is the contract as it stood at the last release
(`campusflow asyncapi --release` writes it). `breaking_changes(released, current)`
walks every message of the released document and says, in words, each way the
current one breaks it: a consumer built against the release must still read what
a producer built now sends, and a consumer built now must still read the records
the release left in the topics (Kafka keeps them, replays read them again).

So, for every released event type:

- the type is still there, on the same topic, keyed by the same field;
- every released property is still there, with the same type and format (after
  `$ref`s are followed, so a nested model is compared field by field), the same
  nullability, the same enum or const values (added values break strict consumers,
  removed ones break old records: both are refused) and the same validation
  bounds (length, pattern, minimum, items…: tighter refuses old records, looser
  sends what old consumers refuse);
- no property is newly required, and no property is added as required;
- and every released topic keeps its partition count (the key's partition, so the order
  of one aggregate's events, depends on it).

Added event types and added optional properties are fine: consumers ignore
fields they do not know (`DomainEvent` has `extra="ignore"`). Titles,
descriptions and defaults are documentation and are not compared.

Pure: two dicts in, a list of sentences out.
"""

from __future__ import annotations

from typing import Any

ADVICE = "add a .v2 type instead"

# Validation keywords whose value must stay as released (compared as a whole).
_BOUNDS = (
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
)

Schema = dict[str, Any]


def breaking_changes(released: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Every break of `released` by `current`, one sentence each (empty: compatible)."""
    old_messages = _messages(released)
    new_messages = _messages(current)
    breaks: list[str] = []
    header_breaks: dict[str, list[str]] = {}  # a header's break -> the types it touches
    for event_type, (old, old_topic) in old_messages.items():
        if event_type not in new_messages:
            breaks.append(
                f"{event_type}: event type removed (was on topic {old_topic}) — "
                "keep it registered: consumers built on the release still read it"
            )
            continue
        new, new_topic = new_messages[event_type]
        found: list[str] = []
        if new_topic is None:
            found.append(f"no topic carries it any more (was {old_topic})")
        elif new_topic != old_topic:
            found.append(f"topic changed from {old_topic} to {new_topic}")
        old_key, new_key = _key(old), _key(new)
        if new_key != old_key:
            found.append(f"message key changed from `{old_key}` to `{new_key}`")
        comparison = _Comparison(released, current)
        comparison.compare(old.get("payload", {}), new.get("payload", {}), "")
        found.extend(comparison.breaks)
        breaks.extend(f"{event_type}: {what} — {ADVICE}" for what in found)
        headers = _Comparison(released, current)
        headers.compare(old.get("headers", {}), new.get("headers", {}), "headers")
        for what in headers.breaks:
            header_breaks.setdefault(what, []).append(event_type)
    return breaks + _grouped(header_breaks) + _partition_changes(released, current)


def _grouped(header_breaks: dict[str, list[str]]) -> list[str]:
    """The CloudEvents attributes in the Kafka headers are a contract too (consumers
    route, deduplicate and check tenancy by them); one envelope writes them for every
    type, so a change is said once with the types it touches."""
    return [
        f"{types[0]}{f' and {len(types) - 1} other types' if len(types) > 1 else ''}: "
        f"{what} — {ADVICE}"
        for what, types in header_breaks.items()
    ]


def _partitions(document: dict[str, Any]) -> dict[str, Any]:
    """Each topic's partition count, by address."""
    return {
        channel.get("address"): channel.get("bindings", {}).get("kafka", {}).get("partitions")
        for channel in document.get("channels", {}).values()
    }


def _partition_changes(released: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """A released topic whose partition count changed: Kafka never lowers one, and a
    raised one sends a key's new records to another partition than its old ones, so
    their order is lost for consumers reading both (a replay, a lagging group)."""
    now = _partitions(current)
    return [
        f"topic {topic}: partitions changed from {count} to {now[topic]} — the order of"
        " each key's events would not hold across the change; a new topic instead"
        for topic, count in _partitions(released).items()
        if topic in now and now[topic] != count
    ]


def _messages(document: dict[str, Any]) -> dict[str, tuple[Schema, str | None]]:
    """Each message by its event type, with the address of the channel that carries it."""
    components = document.get("components", {}).get("messages", {})
    topic_of: dict[str, str] = {}
    for channel in document.get("channels", {}).values():
        for reference in channel.get("messages", {}).values():
            name = reference.get("$ref", "").rsplit("/", 1)[-1]
            topic_of[name] = channel.get("address")
    return {
        message["name"]: (message, topic_of.get(component))
        for component, message in components.items()
    }


def _key(message: Schema) -> str | None:
    key = message.get("bindings", {}).get("kafka", {}).get("key", {})
    description = key.get("description")
    return description if isinstance(description, str) else None


def _resolve(document: dict[str, Any], schema: Schema) -> tuple[Schema, str | None]:
    """The schema a `$ref` points at (and its name), or the schema itself."""
    seen: set[str] = set()
    name = None
    while isinstance(schema.get("$ref"), str) and schema["$ref"] not in seen:
        reference = schema["$ref"]
        seen.add(reference)
        node: Any = document
        for part in reference.removeprefix("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        name = reference.rsplit("/", 1)[-1]
        schema = node
    return schema, name


def _split_null(schema: Schema) -> tuple[Schema, bool]:
    """`anyOf: [X, {type: null}]` (pydantic's Optional) as (X, nullable)."""
    variants = schema.get("anyOf")
    if not isinstance(variants, list):
        return schema, False
    others = [v for v in variants if v != {"type": "null"}]
    if len(others) == len(variants):
        return schema, False
    if len(others) == 1:
        return others[0], True
    return {"anyOf": others}, True


def _values(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) else None


def _types(schema: Schema) -> tuple[str, ...]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return tuple(sorted(str(k) for k in kind))
    return (kind,) if isinstance(kind, str) else ()


class _Comparison:
    def __init__(self, released: dict[str, Any], current: dict[str, Any]) -> None:
        self.released = released
        self.current = current
        self.breaks: list[str] = []
        self._visiting: set[tuple[str | None, str | None]] = set()

    def describe(self, document: dict[str, Any], schema: Schema) -> str:
        schema, name = _resolve(document, schema)
        inner, nullable = _split_null(schema)
        inner, inner_name = _resolve(document, inner)
        name = inner_name or name
        if "anyOf" in inner:
            text = " or ".join(self.describe(document, v) for v in inner["anyOf"])
        elif _types(inner) == ("array",) and isinstance(inner.get("items"), dict):
            text = f"array of {self.describe(document, inner['items'])}"
        elif name is not None:
            text = name
        else:
            text = "/".join(_types(inner)) or "any"
            if "format" in inner:
                text += f" ({inner['format']})"
        return f"{text} or null" if nullable else text

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        old_resolved, old_name = _resolve(self.released, old)
        new_resolved, new_name = _resolve(self.current, new)
        pair = (old_name, new_name)
        if old_name is not None and pair in self._visiting:
            return  # a recursive model: this pair is being compared further up
        if old_name is not None:
            self._visiting.add(pair)
        try:
            self._compare_resolved(old, new, old_resolved, new_resolved, path)
        finally:
            self._visiting.discard(pair)

    def _compare_resolved(
        self, old_raw: Schema, new_raw: Schema, old: Schema, new: Schema, path: str
    ) -> None:
        where = f"field `{path}`" if path else "the payload"
        old_inner, old_null = _split_null(old)
        new_inner, new_null = _split_null(new)
        old_inner, _ = _resolve(self.released, old_inner)
        new_inner, _ = _resolve(self.current, new_inner)
        if (
            old_null != new_null
            or _types(old_inner) != _types(new_inner)
            or old_inner.get("format") != new_inner.get("format")
            or ("anyOf" in old_inner) != ("anyOf" in new_inner)
        ):
            before = self.describe(self.released, old_raw)
            after = self.describe(self.current, new_raw)
            self.breaks.append(f"{where} changed type from {before} to {after}")
            return
        if "anyOf" in old_inner:
            self._compare_variants(old_inner["anyOf"], new_inner["anyOf"], path, where)
            return
        self._compare_values(old_inner, new_inner, where)
        for bound in _BOUNDS:
            if old_inner.get(bound) != new_inner.get(bound):
                self.breaks.append(
                    f"{where}: {bound} changed from {_show(old_inner.get(bound))} "
                    f"to {_show(new_inner.get(bound))}"
                )
        if "items" in old_inner or "items" in new_inner:
            self.compare(old_inner.get("items", {}), new_inner.get("items", {}), f"{path}[]")
        old_extra, new_extra = (
            old_inner.get("additionalProperties"),
            new_inner.get("additionalProperties"),
        )
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare(old_extra, new_extra, f"{path}{{}}")
        elif old_extra != new_extra:
            self.breaks.append(
                f"{where}: additionalProperties changed from {_show(old_extra)} "
                f"to {_show(new_extra)}"
            )
        if "properties" in old_inner or "properties" in new_inner:
            self._compare_properties(old_inner, new_inner, path)

    def _compare_variants(
        self, old: list[Schema], new: list[Schema], path: str, where: str
    ) -> None:
        if len(old) != len(new):
            self.breaks.append(f"{where}: union changed from {len(old)} to {len(new)} alternatives")
            return
        for index, (old_variant, new_variant) in enumerate(zip(old, new, strict=True)):
            self.compare(old_variant, new_variant, f"{path}<{index + 1}>")

    def _compare_values(self, old: Schema, new: Schema, where: str) -> None:
        old_values, new_values = _values(old), _values(new)
        if old_values is None and new_values is None:
            return
        if old_values is None or new_values is None:
            before = "any value" if old_values is None else _show(old_values)
            after = "any value" if new_values is None else _show(new_values)
            self.breaks.append(f"{where}: allowed values changed from {before} to {after}")
            return
        removed = [v for v in old_values if v not in new_values]
        added = [v for v in new_values if v not in old_values]
        if removed:
            self.breaks.append(f"{where}: value(s) {_show(removed)} removed")
        if added:
            self.breaks.append(
                f"{where}: value(s) {_show(added)} added (strict consumers refuse them)"
            )

    def _compare_properties(self, old: Schema, new: Schema, path: str) -> None:
        old_properties: dict[str, Schema] = old.get("properties", {})
        new_properties: dict[str, Schema] = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        prefix = f"{path}." if path else ""
        for name, schema in old_properties.items():
            field = f"{prefix}{name}"
            if name not in new_properties:
                self.breaks.append(f"field `{field}` removed")
                continue
            if name in new_required and name not in old_required:
                self.breaks.append(f"field `{field}` is now required (it was optional)")
            self.compare(schema, new_properties[name], field)
        for name in new_properties:
            if name not in old_properties and name in new_required:
                self.breaks.append(
                    f"field `{prefix}{name}` added as required (new fields must be optional)"
                )


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "[]"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value).lower() if isinstance(value, bool) else str(value)
