"""Single documents and what describes them: render, validate, types, schema, build-templates,
config."""

from __future__ import annotations

import json
from pathlib import Path

import click

from service.cli.common import fail, find_doc_type, load_config, read_payload
from service.core_errors import CoreError
from service.errors import Problem


@click.command()
@click.argument("type_id", metavar="TYPE")
@click.argument("payload", type=click.Path(allow_dash=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Tệp kết quả: .pdf hoặc .docx")
def render(type_id: str, payload: str, output: str) -> None:
    """Render PAYLOAD (JSON file, or - for stdin) as the document type TYPE."""
    from service.registry import Format
    from service.rendering import render as render_document

    doc_type = find_doc_type(type_id)
    suffix = Path(output).suffix.lower().lstrip(".")
    try:
        fmt = Format(suffix)
    except ValueError:
        raise click.BadParameter("đuôi tệp phải là .pdf hoặc .docx", param_hint="-o") from None
    settings = load_config()
    try:
        doc = render_document(doc_type, read_payload(payload), fmt,
                              templates_dir=settings["TEMPLATES_DIR"])
    except (Problem, CoreError) as problem:
        fail(problem)
    Path(output).write_bytes(doc.content)
    click.echo(f"{output} ({len(doc.content)} byte)")


@click.command()
@click.argument("type_id", metavar="TYPE")
@click.argument("payload", type=click.Path(allow_dash=True))
def validate(type_id: str, payload: str) -> None:
    """Check PAYLOAD against TYPE's schema."""
    from service.rendering import validate as validate_payload

    doc_type = find_doc_type(type_id)
    load_config()  # settings the schemas use (the date window)
    try:
        validate_payload(doc_type, read_payload(payload))
    except (Problem, CoreError) as problem:
        fail(problem)
    click.echo("hợp lệ")


@click.command()
def types() -> None:
    """List the document types."""
    from service import registry

    for doc_type in registry.document_types().values():
        formats = ",".join(f.value for f in doc_type.formats)
        click.echo(f"{doc_type.id}\t{formats}\t{doc_type.title}")


@click.command("build-templates")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Thư mục ghi (mặc định doc_templates/docx).")
def build_templates(out: str | None) -> None:
    """Regenerate the DOCX templates from their builders."""
    from service import registry

    target = Path(out) if out else Path(load_config()["TEMPLATES_DIR"]) / "docx"
    target.mkdir(parents=True, exist_ok=True)
    for doc_type in registry.document_types().values():
        if doc_type.build_docx_template is not None:
            path = target / doc_type.docx_name
            doc_type.build_docx_template(path)
            click.echo(str(path))


@click.command("config")
def show_config() -> None:
    """Print the configuration keys as a Markdown table."""
    from service import config

    click.echo(config.markdown_table())


@click.command("schema")
@click.argument("type_id", metavar="TYPE")
def schema(type_id: str) -> None:
    """Print TYPE's payload JSON Schema."""
    from service.jsonschema import document_schema

    doc_type = find_doc_type(type_id)
    click.echo(json.dumps(document_schema(doc_type.schema, doc_type.title), ensure_ascii=False,
                          indent=2))


COMMANDS = (render, validate, types, build_templates, show_config, schema)
