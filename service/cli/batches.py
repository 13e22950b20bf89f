"""Batches: batch (here, or as a job on a running service with --server), batch-template, and
the job machinery around them: worker, cleanup, db-upgrade, db-revision."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.cli.common import fail, find_doc_type, load_config, read_payload
from service.core_errors import CoreError
from service.errors import Problem

_TABLE_SUFFIXES = (".csv", ".xlsx", ".xls", ".xlsm", ".ods", ".txt")


def _job_settings() -> dict:
    from service import config
    from service.jobs.runner import check_settings

    settings = load_config()
    try:
        check_settings(settings)
    except config.ConfigError as exc:
        raise click.ClickException(f"cấu hình sai: {exc}") from None
    return settings


@click.command()
@click.option("-c", "--concurrency", default=None, type=int,
              help="Số tiến trình xử lý (mặc định THIDUA_JOB_WORKERS).")
@click.option("--loglevel", default=None, help="Mức ghi log (mặc định THIDUA_LOG_LEVEL).")
def worker(concurrency: int | None, loglevel: str | None) -> None:
    """Run a Celery worker for batch chunks (needs THIDUA_BROKER_URL)."""
    from service.db import database_url
    from service.jobs.celery_app import get_celery, worker_argv
    from service.jobs.store import JobStore

    settings = _job_settings()
    if not settings["BROKER_URL"]:
        raise click.ClickException(
            "THIDUA_BROKER_URL chưa đặt: ở chế độ mặc định các lô chạy ngay trong dịch vụ "
            "(python -m service serve), không cần worker riêng.")
    from service.db import dispose_engines

    url = database_url(settings)
    JobStore(url)  # the schema is current before the first task
    dispose_engines(url)  # no pooled connection may be inherited by the forked pool
    app = get_celery(settings)
    app.worker_main(worker_argv(settings, concurrency=concurrency or settings["JOB_WORKERS"],
                                loglevel=(loglevel or settings["LOG_LEVEL"]).upper()))


@click.command()
@click.option("--older-than-hours", default=None, type=float,
              help="Xóa tệp của lô kết thúc trước số giờ này (mặc định THIDUA_RESULT_TTL_HOURS).")
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê, không xóa.")
def cleanup(older_than_hours: float | None, dry_run: bool) -> None:
    """Remove the files of finished batch jobs older than the retention time."""
    from service.db import database_url
    from service.jobs.cleanup import cleanup as run_cleanup
    from service.jobs.files import JobFiles
    from service.jobs.store import JobStore

    settings = _job_settings()
    ttl = settings["RESULT_TTL_HOURS"] if older_than_hours is None else older_than_hours
    report = run_cleanup(JobStore(database_url(settings)), JobFiles(settings["DATA_DIR"]),
                         ttl_hours=ttl, dry_run=dry_run)
    verb = "sẽ xóa" if dry_run else "đã xóa"
    for job_id in report.jobs:
        click.echo(f"{verb} tệp của lô {job_id}")
    for job_id in report.orphans:
        click.echo(f"{verb} thư mục không có bản ghi {job_id}")
    click.echo(f"{len(report.jobs)} lô, {len(report.orphans)} thư mục mồ côi, "
               f"{report.bytes_freed / 1e6:.1f} MB ({verb}).")


@click.command("db-upgrade")
def db_upgrade() -> None:
    """Bring the job database to the current schema (the service also does this on start)."""
    from service import db

    settings = _job_settings()
    url = db.database_url(settings)
    engine = db.get_engine(url)
    db.upgrade(engine)
    click.echo(f"{db.redact(url)}: {db.current_revision(engine)}")


@click.command("db-revision")
@click.option("-m", "--message", required=True, help="Mô tả thay đổi.")
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (developers; against a scratch SQLite)."""
    import tempfile

    from alembic import command

    from service import db

    with tempfile.TemporaryDirectory() as tmp:
        engine = db.get_engine(f"sqlite:///{tmp}/scratch.sqlite3")
        db.upgrade(engine)
        with db.writer(engine).begin() as conn:
            command.revision(db.alembic_config(conn), message=message, autogenerate=True)
        engine.dispose()


class _ProgressBar:
    """The progress bar on standard error when it is a terminal; nothing otherwise."""

    def __init__(self, total: int) -> None:
        self._bar = None
        self._shown = 0
        if sys.stderr.isatty():
            self._bar = click.progressbar(length=total, label="Đang tạo", file=sys.stderr)
            self._bar.__enter__()

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._shown)
            self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _common_object(value: object) -> dict:
    if not isinstance(value, dict):
        raise Problem(422, "invalid_batch", "Dữ liệu chung không hợp lệ",
                      "--common phải là một đối tượng JSON.")
    return value


def _json_items(raw: bytes) -> tuple[dict, object]:
    from service.jsonbody import parse_json

    data = parse_json(raw, max_depth=64)
    if isinstance(data, dict) and "items" in data:
        return data.get("common") or {}, data["items"]
    if isinstance(data, list):
        return {}, data
    raise Problem(422, "invalid_batch", "Dữ liệu danh sách không hợp lệ",
                  "JSON phải là {\"common\": {…}, \"items\": […]} hoặc một mảng các mục.")


def _read_batch_input(doc_type, path: str, common_path: str | None) -> tuple[dict, list,
                                                                              list | None]:
    """(common, items, spreadsheet rows) from a JSON, CSV or XLSX file plus ``--common``."""
    from service import tabular

    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    common: dict = {}
    rows = None
    if path.lower().endswith(_TABLE_SUFFIXES):
        table = tabular.read_table(raw, path, doc_type.schema)
        items, rows = table.items, table.rows
    else:
        common, items = _json_items(raw)
    if common_path:
        common = {**common, **_common_object(read_payload(common_path))}
    if not isinstance(items, list):
        raise Problem(422, "invalid_batch", "Dữ liệu danh sách không hợp lệ",
                      "“items” phải là một mảng.")
    return common, items, rows


def _submit(client, doc_type, source: str, common_path: str | None, kind: str) -> dict:
    if source.lower().endswith(_TABLE_SUFFIXES):  # the service reads the list itself
        common = _common_object(read_payload(common_path)) if common_path else {}
        return client.submit(doc_type.id, kind, common, file=Path(source))
    common, items, _rows = _read_batch_input(doc_type, source, common_path)
    return client.submit(doc_type.id, kind, common, items=items)


def _follow(client, job: dict) -> dict:
    bar = _ProgressBar(job["total"])
    try:
        job = client.follow(job["id"], lambda state: bar.update(state["done"]))
    except (Problem, CoreError):
        bar.close()
        raise
    bar.close()
    return job


def _run_remote(client, server: str, doc_type, source: str, common_path: str | None,
                output: str, kind: str) -> tuple[dict, int]:
    job = _submit(client, doc_type, source, common_path, kind)
    click.echo(f"lô {job['id']}: {job['total']} văn bản, gửi tới {server}", err=True)
    job = _follow(client, job)
    if job["status"] not in ("succeeded", "done_with_errors"):
        detail = "; ".join(e.get("message", "") for e in job["errors"]) or job["status"]
        raise Problem(409, f"batch_{job['status']}", f"Lô {job['id']} không hoàn thành",
                      detail)
    return job, client.download(job, Path(output))


def _remote_batch(server: str, doc_type, source: str, common_path: str | None, output: str,
                  kind: str, api_key: str | None = None) -> None:
    """``batch --server URL``: submit to a running service as a job, show its progress
    chunk by chunk, download the result."""
    from service.jobs.client import BatchClient, RemoteError

    client = BatchClient(server, headers={"Authorization": f"Bearer {api_key}"} if api_key
                         else None)
    try:
        job, size = _run_remote(client, server, doc_type, source, common_path, output, kind)
    except (Problem, CoreError) as problem:
        fail(problem)
    except RemoteError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{output}: {job['done']} văn bản ({size} byte), lô {job['id']}")
    for failed in job.get("failed_items", []):  # done_with_errors: the rest was delivered
        click.echo(f"lỗi: {failed['message']}", err=True)
    if job.get("failed_items"):
        sys.exit(2)


def _render_here(doc_type, source: str, common_path: str | None, output: str, kind: str,
                 settings: dict, chunk_size: int, workers: int) -> int:
    from service.bulk import render_batch

    common, items, rows = _read_batch_input(doc_type, source, common_path)
    bar = _ProgressBar(len(items))
    try:
        count = render_batch(doc_type, common, items, kind, Path(output).resolve(),
                             templates_dir=settings["TEMPLATES_DIR"], rows=rows,
                             chunk_size=chunk_size, workers=workers,
                             progress=lambda done, _total: bar.update(done))
    except (Problem, CoreError):
        bar.close()
        raise
    bar.close()
    return count


@click.command()
@click.argument("type_id", metavar="TYPE")
@click.argument("source", type=click.Path(allow_dash=True))
@click.option("--common", "common_path", type=click.Path(exists=True, dir_okay=False),
              help="JSON các trường chung (thẩm quyền, người ký, quyết định, ngày…).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="out.pdf (một tệp PDF gộp) hoặc out.zip (mỗi người một tệp).")
@click.option("--zip-format", type=click.Choice(["pdf", "docx"]), default="pdf",
              show_default=True, help="Định dạng từng tệp trong ZIP.")
@click.option("--workers", type=click.IntRange(1, 16), default=None,
              help="Số tiến trình in song song (mặc định: số lõi CPU, tối đa 4).")
@click.option("--chunk-size", type=click.IntRange(1, 1000), default=100, show_default=True)
@click.option("--server", default=None, metavar="URL",
              help="Gửi lô tới dịch vụ đang chạy (http://host:8000) và theo dõi tiến độ.")
@click.option("--api-key", envvar="THIDUA_API_KEY", default=None, metavar="KEY",
              help="Khóa API cho --server (hoặc biến môi trường THIDUA_API_KEY).")
def batch(type_id: str, source: str, common_path: str | None, output: str, zip_format: str,
          workers: int | None, chunk_size: int, server: str | None,
          api_key: str | None) -> None:
    """Render one document per item of SOURCE (JSON, CSV or XLSX) into a merged PDF or a ZIP."""
    import os

    doc_type = find_doc_type(type_id)
    suffix = Path(output).suffix.lower()
    if suffix not in (".pdf", ".zip"):
        raise click.BadParameter("đuôi tệp phải là .pdf hoặc .zip", param_hint="-o")
    from service.bulk import Output

    kind = Output.PDF if suffix == ".pdf" else Output(f"zip-{zip_format}")
    if server:
        return _remote_batch(server, doc_type, source, common_path, output, kind, api_key)
    settings = load_config()
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    try:
        count = _render_here(doc_type, source, common_path, output, kind, settings,
                             chunk_size, workers)
    except (Problem, CoreError) as problem:
        fail(problem)
    click.echo(f"{output}: {count} văn bản ({Path(output).stat().st_size} byte)")


@click.command("batch-template")
@click.argument("type_id", metavar="TYPE")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Tệp XLSX mẫu cần ghi.")
def batch_template(type_id: str, output: str) -> None:
    """Write TYPE's blank XLSX list template (headers the batch command understands)."""
    from service import tabular

    Path(output).write_bytes(tabular.xlsx_template(find_doc_type(type_id)))
    click.echo(output)


COMMANDS = (batch, batch_template, worker, cleanup, db_upgrade, db_revision)
