"""The register of issued documents from the command line: issue."""

from __future__ import annotations

import click

from service.cli.common import fail, find_doc_type, load_config, read_payload


def _owner() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (a container)
        return "cli:local"


@click.command("issue")
@click.argument("type_id", metavar="TYPE")
@click.argument("payload", type=click.Path(allow_dash=True))
@click.option("--idempotency-key", default=None,
              help="Chạy lại với cùng khóa và cùng nội dung: nhận lại đúng văn bản đã ban hành.")
def issue(type_id: str, payload: str, idempotency_key: str | None) -> None:
    """Issue PAYLOAD (its number left null) as TYPE: the next number of the register, the
    DOCX and PDF stored; prints the number with its symbol and the id."""
    from service.core_errors import CoreError
    from service.register import RegisterError, RegisterStore
    from service.register.problems import as_register_problem

    doc_type = find_doc_type(type_id)
    settings = load_config()
    store = RegisterStore(settings)
    try:
        doc = store.issue(doc_type, read_payload(payload), _owner(),
                          idempotency_key=idempotency_key)
    except (CoreError, RegisterError) as exc:
        fail(as_register_problem(exc))
    click.echo(f"{doc.number_symbol}\t{doc.date.isoformat()}\t{doc.id}")


COMMANDS = (issue,)
