"""How a notification is worded: a Jinja2 template per kind and locale, run in a sandbox.

A template file holds the title and the body as two blocks:

    {% block title %}值班提醒{% endblock %}
    {% block body %}
    你将于 {{ starts_at | campus_time }} 在{{ place }}值班（{{ post }}）。
    {% endblock %}

Nothing else may stand beside the two blocks; the title is folded onto one line. Templates run
in Jinja2's `SandboxedEnvironment` (no attribute starting with `_`, no unsafe calls, `*`
and `**` bounded) with `StrictUndefined` (a misspelt name fails instead of printing
nothing) and no globals: every name a template reads must be one of its kind's declared
fields (`domain/kinds.py`), checked on the parsed template
(`jinja2.meta.find_undeclared_variables`). `{% extends %}`, `{% include %}` and
`{% import %}` are refused: a template stands alone. Autoescape is off — messages are
text; a channel that sends HTML escapes the rendered text (`body_html`).

The built-in templates ship with the package (`services/notifications/templates/<locale>/
<kind>.j2`, version 0); a college admin may save an override (versions 1, 2, ...), which
is checked here before it is kept: it must parse, use only declared fields, and render
against a sample of the fields and against every field absent (None).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.environment import Template
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from services.notifications.domain.kinds import Kind
from services.notifications.domain.template_filters import (
    CAMPUS_TIME_ZONE,
    FILTERS,
    LOCALE_VARIABLE,
    TIME_ZONE_VARIABLE,
)
from services.notifications.domain.template_samples import absent_fields, sample_fields
from shared.rules import RuleBroken

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
BUILTIN_VERSION = 0
BLOCKS = ("title", "body")
MAX_SOURCE_CHARS = 20_000
MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 20_000
# What `*` may build and how far `**` may go in a template (a sandbox bound on work).
_MAX_PRODUCT_LENGTH = 10_000
_MAX_EXPONENT = 64
_MAX_POWER_BITS = 4096
_FORBIDDEN_TAGS = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
}


@dataclass(frozen=True)
class Rendered:
    """A worded message: version 0 is the built-in template, 1.. a college's override."""

    title: str
    body: str
    locale: str
    version: int


class _Sandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
                raise SecurityError(f"an exponent above {_MAX_EXPONENT} is not allowed")
            if isinstance(left, int) and isinstance(right, int | float):
                if left.bit_length() * abs(right) > _MAX_POWER_BITS:
                    raise SecurityError(f"a power above 2**{_MAX_POWER_BITS} is not allowed")
            return operator.pow(left, right)
        size = max(_length(left), 1) * max(_length(right), 1)
        if (_length(left) or _length(right)) and size > _MAX_PRODUCT_LENGTH:
            raise SecurityError(f"a repetition longer than {_MAX_PRODUCT_LENGTH} is not allowed")
        return operator.mul(left, right)


def _length(value: Any) -> int:
    if isinstance(value, str | list | tuple):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value)
    return 0


def _absent_as_nothing(value: Any) -> Any:
    """A declared field the event did not carry (None) prints as nothing, not "None"."""
    return "" if value is None else value


def _environment() -> SandboxedEnvironment:
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_absent_as_nothing,
    )
    env.globals.clear()
    env.filters.update(FILTERS)
    return env


_ENV = _environment()


def resolve_locale(locale: str | None) -> str:
    """The locale a message is worded in: an exact match, else its language ("en-GB" ->
    "en", "zh-TW" -> "zh-CN"), else zh-CN."""
    if locale in LOCALES:
        return locale
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    for known in LOCALES:
        if known.split("-")[0].lower() == language:
            return known
    return DEFAULT_LOCALE


def refused(rule: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field="source", message=message, invalid=True)


def _only_blocks_at_top(tree: nodes.Template) -> None:
    """Nothing but the title and body blocks (and blank lines) at a template's top: what
    stood beside them would never be rendered, so it is refused rather than ignored."""
    for node in tree.body:
        if isinstance(node, nodes.Block):
            if node.name not in BLOCKS:
                raise refused(
                    "template_blocks",
                    f"{{% block {node.name} %}} is not a block of a message (title, body)",
                )
            continue
        blank = isinstance(node, nodes.Output) and all(
            isinstance(part, nodes.TemplateData) and not part.data.strip() for part in node.nodes
        )
        if not blank:
            raise refused(
                "template_outside_blocks",
                f"line {node.lineno} stands outside the title and body blocks",
            )


@lru_cache(maxsize=2048)
def _compile(kind: Kind, source: str) -> Template:
    if len(source) > MAX_SOURCE_CHARS:
        raise refused(
            "template_too_long", f"a template holds at most {MAX_SOURCE_CHARS} characters"
        )
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as error:
        raise refused(
            "template_syntax", f"the template does not parse (line {error.lineno}): {error.message}"
        ) from None
    for node_type, tag in _FORBIDDEN_TAGS.items():
        if tree.find(node_type) is not None:
            raise refused("template_forbidden_tag", f"{{% {tag} %}} is not allowed in a template")
    _only_blocks_at_top(tree)
    names = {block.name for block in tree.find_all(nodes.Block)}
    missing = [block for block in BLOCKS if block not in names]
    if missing:
        raise refused(
            "template_blocks",
            f"the template lacks {{% block {missing[0]} %}}"
            " (a template has a title block and a body block)",
        )
    undeclared = sorted(meta.find_undeclared_variables(tree) - kind.fields)
    if undeclared:
        raise refused(
            "undeclared_field",
            f"the template uses {undeclared[0]!r}, which kind {kind.name} does not declare "
            f"(declared: {', '.join(sorted(kind.fields))})",
        )
    return _ENV.from_string(tree)


def _render(
    template: Template, kind: Kind, fields: Mapping[str, object], locale: str, time_zone: str
) -> tuple[str, str]:
    missing = sorted(kind.fields - fields.keys())
    if missing:
        raise ValueError(f"kind {kind.name} needs the field {missing[0]!r} (None when absent)")
    variables: dict[str, object] = {name: fields[name] for name in kind.fields}
    variables[LOCALE_VARIABLE] = locale
    variables[TIME_ZONE_VARIABLE] = time_zone
    context = template.new_context(variables)
    title = " ".join("".join(template.blocks["title"](context)).split())
    body = "".join(template.blocks["body"](context)).strip()
    return title[:MAX_TITLE_CHARS], body[:MAX_BODY_CHARS]


def check_template(kind: Kind, source: str, *, locale: str = DEFAULT_LOCALE) -> Rendered:
    """Refuse (RuleBroken on `source`) a template that does not parse, uses an undeclared
    field, or fails to render against a sample of its kind's fields or with every field
    absent; return what it makes of the sample."""
    template = _compile(kind, source)
    locale = resolve_locale(locale)
    rendered: tuple[str, str] | None = None
    for what, fields in (("a sample of", sample_fields(kind)), ("none of", absent_fields(kind))):
        try:
            result = _render(template, kind, fields, locale, CAMPUS_TIME_ZONE)
        except SecurityError as error:
            raise refused("template_unsafe", f"the sandbox refused the template: {error}") from None
        except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as error:
            raise refused(
                "template_render",
                f"the template fails to render with {what} the fields of {kind.name}: {error}",
            ) from None
        if not result[0]:
            raise refused("template_blocks", f"the title is empty with {what} the fields")
        rendered = rendered or result
    assert rendered is not None
    return Rendered(rendered[0], rendered[1], locale, BUILTIN_VERSION)


def render_source(
    kind: Kind,
    source: str,
    fields: Mapping[str, object],
    *,
    locale: str,
    version: int,
    time_zone: str | None = None,
) -> Rendered:
    """Word a message with a template's source (checked and compiled once, then cached).
    A missing declared field is a routing bug: ValueError."""
    locale = resolve_locale(locale)
    title, body = _render(
        _compile(kind, source), kind, fields, locale, time_zone or CAMPUS_TIME_ZONE
    )
    return Rendered(title, body, locale, version)


@lru_cache(maxsize=256)
def builtin_source(kind_name: str, locale: str) -> str:
    """The built-in template shipped with the package (`templates/<locale>/<kind>.j2`)."""
    package = resources.files("services.notifications")
    path = package.joinpath("templates", locale, f"{kind_name}.j2")
    return path.read_text(encoding="utf-8")


def render_builtin(
    kind: Kind, locale: str, fields: Mapping[str, object], *, time_zone: str | None = None
) -> Rendered:
    """Word a message with the built-in template of its kind (version 0)."""
    locale = resolve_locale(locale)
    return render_source(
        kind,
        builtin_source(kind.name, locale),
        fields,
        locale=locale,
        version=BUILTIN_VERSION,
        time_zone=time_zone,
    )


def body_html(body: str) -> str:
    """A rendered body for an HTML part: escaped, line breaks kept."""
    return str(escape(body)).replace("\n", "<br>\n")
