"""Who may use the service: keys (API keys for other systems) and users (the web page)."""

from __future__ import annotations

import sys

import click

from service.cli.common import load_config


def _auth_store():
    from service.auth.store import AuthStore

    return AuthStore.from_settings(load_config())


def _auth_call(fn, *args):
    from service.auth.store import AuthError

    try:
        return fn(*args)
    except AuthError as exc:
        raise click.ClickException(exc.message) from None


def _when(value) -> str:
    return "—" if value is None else value.astimezone().strftime("%d/%m/%Y %H:%M")


@click.group()
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


@click.group()
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


COMMANDS = (keys, users)
