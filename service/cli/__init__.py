"""Command line: ``python -m service <command>``.

serve            run the service on its embedded defaults (gunicorn, one process, threads)
render TYPE F    render a payload file to DOCX or PDF (format from -o's extension)
validate TYPE F  check a payload; exit 1 with the problems listed
types            list document types
build-templates  regenerate doc_templates/docx/*.docx from their python-docx builders
config           print every configuration key with its default (Markdown)
batch TYPE F     render one document per row of a JSON/CSV/XLSX list: merged PDF or ZIP
batch-template   write a document type's blank XLSX list template
                 (batch … --server URL: run it as a job on a running service instead)
worker           Celery worker for batch jobs (distributed mode, THIDUA_BROKER_URL)
cleanup          remove the files of finished batch jobs past THIDUA_RESULT_TTL_HOURS
db-upgrade       bring the job database to the current schema
keys             API keys: create NAME [--role], list, revoke ID
users            web users: create, list, passwd, role, disable, enable, unlock
issue TYPE F     issue a document: the register's next number, DOCX and PDF stored
sign F -o OUT    sign a PDF (the agency's key from THIDUA_SIGNING_*; --as person, --prepare)
verify F         check every digital signature of a PDF (a report in Vietnamese)
dossier ID -o Z  the dossier of an issued decision: certificates, register numbers, ZIP
"""

from __future__ import annotations

import click

from service.cli import accounts, batches, documents, dossier, register, server, signing
from service.cli.server import first_admin_notice

__all__ = ["first_admin_notice", "main"]

# one module per command group: documents (render, validate, types, schema, build-templates,
# config), batches (batch, batch-template, worker, cleanup, db-upgrade, db-revision),
# accounts (keys, users), server (serve), register (issue), dossier (dossier), signing (sign,
# verify); shared
# helpers in common.py


@click.group(help=__doc__)
def main() -> None:
    pass


for _command in (*documents.COMMANDS, *batches.COMMANDS, *accounts.COMMANDS, *server.COMMANDS,
                 *register.COMMANDS, *dossier.COMMANDS, *signing.COMMANDS):
    main.add_command(_command)
del _command
