"""The only Jinja environments the service uses: sandboxed, autoescaping, strict.

Payload values are always passed as variables, never compiled as template source, so
``{{ 7*7 }}`` in a name prints literally. The DOCX environment additionally writes ``{``, ``}``
and ``%`` of every printed value as XML character references, so docxtpl's post-render
rewriting of ``{_{`` / ``%_}`` can never alter what the user typed.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import BaseLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from service.vn.jinja import register_filters

_TRIMMED_GLOBALS = ("cycler", "joiner", "namespace", "lipsum", "range", "dict")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class UnsafeValueError(ValueError):
    """A value that should have been rejected by validation reached a template."""


def _trim(env: ImmutableSandboxedEnvironment) -> ImmutableSandboxedEnvironment:
    for name in _TRIMMED_GLOBALS:
        env.globals.pop(name, None)
    register_filters(env)
    return env


def html_environment(loader: BaseLoader) -> ImmutableSandboxedEnvironment:
    """Environment for the HTML/WeasyPrint templates."""
    return _trim(ImmutableSandboxedEnvironment(
        loader=loader, autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True))


def _docx_finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if value is None:
        value = ""
    text = str(value)
    if _CONTROL.search(text) or "\n" in text:
        raise UnsafeValueError("control character in a value printed into a DOCX")
    return Markup(str(escape(text)).replace("{", "&#123;").replace("}", "&#125;")
                  .replace("%", "&#37;"))


def docx_environment() -> ImmutableSandboxedEnvironment:
    """Environment for docxtpl: the same filters, and values that cannot become markup."""
    return _trim(ImmutableSandboxedEnvironment(
        autoescape=True, undefined=StrictUndefined, finalize=_docx_finalize))
