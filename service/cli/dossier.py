"""The dossier of an issued decision from the command line: ``dossier ISSUED_ID -o hoso.zip``."""

from __future__ import annotations

import sys
import time

import click

from service.cli.common import fail, load_config


def _progress(job) -> None:
    click.echo(f"\rĐã in {job.done}/{job.total} bằng, giấy khen", nl=False, err=True)


def _wait(service, job_id: str):
    job = service.store.get(job_id)
    while not job.finished:
        _progress(job)
        time.sleep(0.5)
        job = service.store.get(job_id)
    _progress(job)
    click.echo("", err=True)
    return job


@click.command("dossier")
@click.argument("issued_id")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Tệp ZIP hồ sơ, ví dụ hoso.zip")
def dossier(issued_id: str, output: str) -> None:
    """Make the dossier of the issued decision ISSUED_ID here, with progress: the decision,
    the certificates (merged and one by one) with their commendation register numbers, the
    register entries; written to OUTPUT as a ZIP. A dossier already made is copied."""
    import shutil

    from service.core_errors import CoreError
    from service.db.jobs import DELIVERED
    from service.errors import Problem
    from service.jobs.dossier import NotADecision, submit_dossier
    from service.jobs.runner import JobService
    from service.register import RegisterError, RegisterStore
    from service.register.problems import as_register_problem

    settings = load_config()
    service = JobService(settings, start_supervisor=False)
    try:
        submission = submit_dossier(service, RegisterStore(settings), issued_id,
                                    owner="cli:dossier")
        job = _wait(service, submission.job.id)
    except NotADecision as exc:
        fail(Problem(409, "not_a_decision", "Không có hồ sơ cho văn bản này", exc.reason))
    except (CoreError, RegisterError) as exc:
        fail(as_register_problem(exc))
    finally:
        service.close()
    if job.status not in DELIVERED:
        click.echo(f"Lô {job.id}: {job.status} — {job.error_message or ''}", err=True)
        sys.exit(1)
    shutil.copyfile(service.files.result_path(job.id, job.output), output)
    click.echo(f"{output}\t{job.total} bằng, giấy khen\tlô {job.id}")


COMMANDS = (dossier,)
