"""Running the service: serve (and, on the very first start, the first administrator)."""

from __future__ import annotations

import click

from service.cli.common import load_config


@click.command()
@click.option("--host", default=None, help="Địa chỉ lắng nghe (mặc định THIDUA_HOST).")
@click.option("--port", default=None, type=int, help="Cổng (mặc định THIDUA_PORT).")
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str | None, port: int | None, threads: int) -> None:
    """Run the service on its embedded defaults."""
    from service.server import run

    settings = load_config()
    host, port = host or settings["HOST"], port or settings["PORT"]
    notice = first_admin_notice(settings, f"http://{host}:{port}/")
    if notice:
        click.echo(notice)
    run(host, port, workers=1, threads=threads)


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


COMMANDS = (serve,)
