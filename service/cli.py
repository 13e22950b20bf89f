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
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from service.errors import Problem


def _load_config() -> dict:
    from schemas import clock
    from service import config

    try:
        settings = config.load()
    except config.ConfigError as exc:
        raise click.ClickException(f"cấu hình sai: {exc}") from None
    clock.configure(max_ahead_days=settings["MAX_DATE_AHEAD_DAYS"])
    return settings


def _read_payload(path: str) -> object:
    from service.jsonbody import parse_json

    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    return parse_json(raw, max_depth=64)


def _fail(problem: Problem) -> None:
    click.echo(str(problem), err=True)
    sys.exit(1)


def _doc_type(type_id: str):
    from service import registry

    doc_type = registry.get(type_id)
    if doc_type is None:
        known = ", ".join(registry.document_types())
        raise click.BadParameter(f"không có loại văn bản “{type_id}” (có: {known})",
                                 param_hint="TYPE")
    return doc_type


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command()
@click.option("--host", default=None, help="Địa chỉ lắng nghe (mặc định THIDUA_HOST).")
@click.option("--port", default=None, type=int, help="Cổng (mặc định THIDUA_PORT).")
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str | None, port: int | None, threads: int) -> None:
    """Run the service on its embedded defaults."""
    from service.server import run

    settings = _load_config()
    host, port = host or settings["HOST"], port or settings["PORT"]
    notice = first_admin_notice(settings, f"http://{host}:{port}/")
    if notice:
        click.echo(notice)
    run(host, port, workers=1, threads=threads)


@main.command()
@click.argument("type_id", metavar="TYPE")
@click.argument("payload", type=click.Path(allow_dash=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Tệp kết quả: .pdf hoặc .docx")
def render(type_id: str, payload: str, output: str) -> None:
    """Render PAYLOAD (JSON file, or - for stdin) as the document type TYPE."""
    from service.registry import Format
    from service.rendering import render as render_document

    doc_type = _doc_type(type_id)
    suffix = Path(output).suffix.lower().lstrip(".")
    try:
        fmt = Format(suffix)
    except ValueError:
        raise click.BadParameter("đuôi tệp phải là .pdf hoặc .docx", param_hint="-o") from None
    settings = _load_config()
    try:
        doc = render_document(doc_type, _read_payload(payload), fmt,
                              templates_dir=settings["TEMPLATES_DIR"])
    except Problem as problem:
        _fail(problem)
    Path(output).write_bytes(doc.content)
    click.echo(f"{output} ({len(doc.content)} byte)")


@main.command()
@click.argument("type_id", metavar="TYPE")
@click.argument("payload", type=click.Path(allow_dash=True))
def validate(type_id: str, payload: str) -> None:
    """Check PAYLOAD against TYPE's schema."""
    from service.rendering import validate as validate_payload

    doc_type = _doc_type(type_id)
    _load_config()  # settings the schemas use (the date window)
    try:
        validate_payload(doc_type, _read_payload(payload))
    except Problem as problem:
        _fail(problem)
    click.echo("hợp lệ")


@main.command()
def types() -> None:
    """List the document types."""
    from service import registry

    for doc_type in registry.document_types().values():
        formats = ",".join(f.value for f in doc_type.formats)
        click.echo(f"{doc_type.id}\t{formats}\t{doc_type.title}")


@main.command("build-templates")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Thư mục ghi (mặc định doc_templates/docx).")
def build_templates(out: str | None) -> None:
    """Regenerate the DOCX templates from their builders."""
    from service import registry

    target = Path(out) if out else Path(_load_config()["TEMPLATES_DIR"]) / "docx"
    target.mkdir(parents=True, exist_ok=True)
    for doc_type in registry.document_types().values():
        if doc_type.build_docx_template is not None:
            path = target / doc_type.docx_name
            doc_type.build_docx_template(path)
            click.echo(str(path))


@main.command("config")
def show_config() -> None:
    """Print the configuration keys as a Markdown table."""
    from service import config

    click.echo(config.markdown_table())


@main.command("schema")
@click.argument("type_id", metavar="TYPE")
def schema(type_id: str) -> None:
    """Print TYPE's payload JSON Schema."""
    from service.jsonschema import document_schema

    doc_type = _doc_type(type_id)
    click.echo(json.dumps(document_schema(doc_type.schema, doc_type.title), ensure_ascii=False,
                          indent=2))


# ---------------------------------------------------------------------------- users and keys


def _auth_store():
    from service.auth.store import AuthStore

    return AuthStore.from_settings(_load_config())


def _auth_call(fn, *args):
    from service.auth.store import AuthError

    try:
        return fn(*args)
    except AuthError as exc:
        raise click.ClickException(exc.message) from None


def _when(value) -> str:
    return "—" if value is None else value.astimezone().strftime("%d/%m/%Y %H:%M")


@main.group()
def keys() -> None:
    """API keys for other systems: create, list, revoke."""


@keys.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["clerk", "admin"]), default="clerk",
              show_default=True, help="clerk: văn bản và lô của mình; admin: mọi thứ.")
def keys_create(name: str, role: str) -> None:
    """Create a key; the key itself is printed alone on the last line, once."""
    key, token = _auth_call(_auth_store().create_key, name, role, "cli")
    click.echo(f"Khóa {key.id} ({key.role}) cho “{key.name}”. Lưu khóa dưới đây ngay: dịch vụ "
               "chỉ giữ mã băm, không hiện lại được.", err=True)
    click.echo("Dùng: Authorization: Bearer <khóa>", err=True)
    click.echo(token)


@keys.command("list")
@click.option("--all", "show_all", is_flag=True, help="Cả khóa đã thu hồi.")
def keys_list(show_all: bool) -> None:
    """List keys (never the secrets)."""
    rows = _auth_store().list_keys(include_revoked=show_all)
    click.echo(f"{'id':<13} {'vai trò':<6} {'tạo lúc':<17} {'dùng lần cuối':<17} "
               f"{'thu hồi':<17} tên")
    for k in rows:
        click.echo(f"{k.id:<13} {k.role:<6} {_when(k.created_at):<17} "
                   f"{_when(k.last_used_at):<17} {_when(k.revoked_at):<17} {k.name}")


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke a key at once (by its id, the part after thd_)."""
    if not _auth_store().revoke_key(key_id):
        raise click.ClickException(f"không có khóa đang dùng nào mang id “{key_id}”")
    click.echo(f"đã thu hồi khóa {key_id}")


@main.group()
def users() -> None:
    """Web page users: create, list, reset passwords, disable, unlock."""


def _new_password(generate: bool, username: str) -> tuple[str, bool]:
    from service.auth.store import generate_password

    if generate:
        return generate_password(), True
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n"), False
    return click.prompt(f"Mật khẩu mới cho {username}", hide_input=True,
                        confirmation_prompt=True), False


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["clerk", "admin"]), default="clerk",
              show_default=True)
@click.option("--name", "display_name", default="", help="Họ tên hiển thị.")
@click.option("--generate", is_flag=True, help="Sinh mật khẩu ngẫu nhiên và in ra.")
def users_create(username: str, role: str, display_name: str, generate: bool) -> None:
    """Create a user (password typed twice, read from standard input, or --generate)."""
    password, show = _new_password(generate, username)
    user = _auth_call(_auth_store().create_user, username, password, role, display_name)
    click.echo(f"đã tạo {user.username} ({user.role})")
    if show:
        click.echo(password)


@users.command("list")
def users_list() -> None:
    """List users with their role and state."""
    from service.db.base import utcnow

    now = utcnow()
    for u in _auth_store().list_users():  # tạm khóa: locked for some address (sign-in)
        locked = u.locked_until is not None and u.locked_until > now
        state = "khóa" if u.disabled else "tạm khóa" if locked else "hoạt động"
        click.echo(f"{u.username:<24} {u.role:<6} {state:<10} đăng nhập lần cuối "
                   f"{_when(u.last_login_at)}  {u.display_name}")


@users.command("passwd")
@click.argument("username")
@click.option("--generate", is_flag=True, help="Sinh mật khẩu ngẫu nhiên và in ra.")
def users_passwd(username: str, generate: bool) -> None:
    """Set a new password; every session of the user ends."""
    password, show = _new_password(generate, username)
    _auth_call(_auth_store().set_password, username, password)
    click.echo(f"đã đổi mật khẩu của {username}")
    if show:
        click.echo(password)


@users.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(["clerk", "admin"]))
def users_role(username: str, role: str) -> None:
    """Change a user's role."""
    _auth_call(_auth_store().set_role, username, role)
    click.echo(f"{username}: {role}")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable a user; their sessions end at once."""
    _auth_call(_auth_store().set_disabled, username, True)
    click.echo(f"đã khóa {username}")


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    _auth_call(_auth_store().set_disabled, username, False)
    click.echo(f"đã mở khóa {username}")


@users.command("unlock")
@click.argument("username")
def users_unlock(username: str) -> None:
    """Lift a lockout after repeated failed logins."""
    _auth_call(_auth_store().unlock, username)
    click.echo(f"đã bỏ tạm khóa {username}")


def first_admin_notice(settings: dict, url: str) -> str | None:
    """On the very first start (no user at all): create ``admin`` with a random password and
    return the lines that tell the newcomer how to sign in; else None."""
    from service.auth.store import AuthStore

    if not settings["AUTH_ENABLED"]:
        return None
    password = AuthStore.from_settings(settings).create_first_admin("admin")
    if password is None:
        return None
    return ("\n".join([
        "=" * 72,
        "Lần chạy đầu tiên: đã tạo tài khoản quản trị.",
        f"  Mở {url} và đăng nhập:",
        "    tên đăng nhập: admin",
        f"    mật khẩu:      {password}",
        "  Mật khẩu chỉ hiện lần này. Đổi nó trên trang “Tài khoản” sau khi đăng nhập,",
        "  hoặc: python -m service users passwd admin",
        "  Khóa API cho hệ thống khác: python -m service keys create TÊN",
        "=" * 72]))


# ---------------------------------------------------------------------------- batch jobs


def _job_settings() -> dict:
    from service import config
    from service.jobs.runner import check_settings

    settings = _load_config()
    try:
        check_settings(settings)
    except config.ConfigError as exc:
        raise click.ClickException(f"cấu hình sai: {exc}") from None
    return settings


@main.command()
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


@main.command()
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


@main.command("db-upgrade")
def db_upgrade() -> None:
    """Bring the job database to the current schema (the service also does this on start)."""
    from service import db

    settings = _job_settings()
    url = db.database_url(settings)
    engine = db.get_engine(url)
    db.upgrade(engine)
    click.echo(f"{db.redact(url)}: {db.current_revision(engine)}")


@main.command("db-revision")
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


def _remote_batch(server: str, doc_type, source: str, common_path: str | None, output: str,
                  kind: str, api_key: str | None = None) -> None:
    """``batch --server URL``: submit to a running service as a job, show its progress
    chunk by chunk, download the result."""
    from service.jobs.client import BatchClient, RemoteError

    client = BatchClient(server, headers={"Authorization": f"Bearer {api_key}"} if api_key
                         else None)
    bar = None
    try:
        if source.lower().endswith((".csv", ".xlsx", ".xls", ".xlsm", ".ods", ".txt")):
            common = _read_payload(common_path) if common_path else {}
            if not isinstance(common, dict):
                raise Problem(422, "invalid_batch", "Dữ liệu chung không hợp lệ",
                              "--common phải là một đối tượng JSON.")
            job = client.submit(doc_type.id, kind, common, file=Path(source))
        else:
            common, items, _rows = _read_batch_input(doc_type, source, common_path)
            job = client.submit(doc_type.id, kind, common, items=items)
        click.echo(f"lô {job['id']}: {job['total']} văn bản, gửi tới {server}", err=True)
        if sys.stderr.isatty():
            bar = click.progressbar(length=job["total"], label="Đang tạo", file=sys.stderr)
            bar.__enter__()
        shown = [0]

        def progress(state: dict) -> None:
            if bar is not None:
                bar.update(state["done"] - shown[0])
                shown[0] = state["done"]

        job = client.follow(job["id"], progress)
        if bar is not None:
            bar.__exit__(None, None, None)
            bar = None
        if job["status"] not in ("succeeded", "done_with_errors"):
            detail = "; ".join(e.get("message", "") for e in job["errors"]) or job["status"]
            raise Problem(409, f"batch_{job['status']}", f"Lô {job['id']} không hoàn thành",
                          detail)
        size = client.download(job, Path(output))
    except Problem as problem:
        if bar is not None:
            bar.__exit__(None, None, None)
        _fail(problem)
    except RemoteError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{output}: {job['done']} văn bản ({size} byte), lô {job['id']}")
    for failed in job.get("failed_items", []):  # done_with_errors: the rest was delivered
        click.echo(f"lỗi: {failed['message']}", err=True)
    if job.get("failed_items"):
        sys.exit(2)


def _read_batch_input(doc_type, path: str, common_path: str | None) -> tuple[dict, list,
                                                                              list | None]:
    """(common, items, spreadsheet rows) from a JSON, CSV or XLSX file plus ``--common``."""
    from service import tabular

    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    common: dict = {}
    rows = None
    if path.lower().endswith((".csv", ".xlsx", ".xls", ".xlsm", ".ods", ".txt")):
        table = tabular.read_table(raw, path, doc_type.schema)
        items, rows = table.items, table.rows
    else:
        from service.jsonbody import parse_json

        data = parse_json(raw, max_depth=64)
        if isinstance(data, dict) and "items" in data:
            common, items = data.get("common") or {}, data["items"]
        elif isinstance(data, list):
            items = data
        else:
            raise Problem(422, "invalid_batch", "Dữ liệu danh sách không hợp lệ",
                          "JSON phải là {\"common\": {…}, \"items\": […]} hoặc một mảng các mục.")
    if common_path:
        extra = _read_payload(common_path)
        if not isinstance(extra, dict):
            raise Problem(422, "invalid_batch", "Dữ liệu chung không hợp lệ",
                          "--common phải là một đối tượng JSON.")
        common = {**common, **extra}
    if not isinstance(items, list):
        raise Problem(422, "invalid_batch", "Dữ liệu danh sách không hợp lệ",
                      "“items” phải là một mảng.")
    return common, items, rows


@main.command()
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

    from service.bulk import render_batch

    doc_type = _doc_type(type_id)
    suffix = Path(output).suffix.lower()
    if suffix not in (".pdf", ".zip"):
        raise click.BadParameter("đuôi tệp phải là .pdf hoặc .zip", param_hint="-o")
    kind = "pdf" if suffix == ".pdf" else f"zip-{zip_format}"
    if server:
        return _remote_batch(server, doc_type, source, common_path, output, kind, api_key)
    settings = _load_config()
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    bar = None
    try:
        common, items, rows = _read_batch_input(doc_type, source, common_path)
        if sys.stderr.isatty():
            bar = click.progressbar(length=len(items), label="Đang tạo", file=sys.stderr)
            bar.__enter__()
        last = [0]

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(done - last[0])
                last[0] = done

        target = Path(output).resolve()
        count = render_batch(doc_type, common, items, kind, target,
                             templates_dir=settings["TEMPLATES_DIR"], rows=rows,
                             chunk_size=chunk_size, progress=progress, workers=workers)
    except Problem as problem:
        if bar is not None:
            bar.__exit__(None, None, None)
        _fail(problem)
    if bar is not None:
        bar.__exit__(None, None, None)
    click.echo(f"{output}: {count} văn bản ({Path(output).stat().st_size} byte)")


@main.command("batch-template")
@click.argument("type_id", metavar="TYPE")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Tệp XLSX mẫu cần ghi.")
def batch_template(type_id: str, output: str) -> None:
    """Write TYPE's blank XLSX list template (headers the batch command understands)."""
    from service import tabular

    Path(output).write_bytes(tabular.xlsx_template(_doc_type(type_id)))
    click.echo(output)
