"""What every command group shares: the settings, a payload file, a failure, a document type."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.core_errors import CoreError
from service.errors import Problem, as_problem


def load_config() -> dict:
    from schemas import clock
    from service import config

    try:
        settings = config.load()
    except config.ConfigError as exc:
        raise click.ClickException(f"cấu hình sai: {exc}") from None
    clock.configure(max_ahead_days=settings["MAX_DATE_AHEAD_DAYS"])
    return settings


def read_payload(path: str) -> object:
    from service.jsonbody import parse_json

    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    return parse_json(raw, max_depth=64)


def fail(problem: Problem | CoreError) -> None:
    if isinstance(problem, CoreError):
        problem = as_problem(problem)
    click.echo(str(problem), err=True)
    sys.exit(1)


def find_doc_type(type_id: str):
    from service import registry
    from service.core_errors import UnknownDocumentType

    try:
        return registry.require(type_id)
    except UnknownDocumentType:
        known = ", ".join(registry.document_types())
        raise click.BadParameter(f"không có loại văn bản “{type_id}” (có: {known})",
                                 param_hint="TYPE") from None
