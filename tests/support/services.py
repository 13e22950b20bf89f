"""Real servers for the job tests: PostgreSQL, Redis, and the service's own processes.

``postgres_url`` and ``redis_url`` use the servers on 127.0.0.1:5432 (database ``test``) and
127.0.0.1:6379 when they answer (override with ``THIDUA_TEST_POSTGRES_URL`` /
``THIDUA_TEST_REDIS_URL``). When none answers — a fresh machine, where ``make test`` has
installed the Debian ``postgresql`` and ``redis-server`` packages but started nothing — a
throwaway server is started in a temporary directory on a free port for the test session
and removed afterwards. ``THIDUA_TEST_FORCE_THROWAWAY=1`` takes that path even when the
default servers answer.

Each test gets its own PostgreSQL schema (dropped afterwards) and its own Celery queue
name, so parallel runs on one machine do not see each other's jobs.

Load with ``pytest_plugins = ["tests.support.services"]``; the process helpers are in
:mod:`tests.support.processes`.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.support.processes import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
FORCE_THROWAWAY = os.environ.get("THIDUA_TEST_FORCE_THROWAWAY") == "1"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def redis_answers(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        ok = bool(client.ping())
        client.close()
        return ok
    except redis.RedisError:
        return False


class ThrowawayPostgres:
    """``initdb`` + ``postgres`` in a temporary directory, as user ``postgres`` when root."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        found = shutil.which("initdb")
        initdb = bins[-1] if bins else found
        if initdb is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb); run `make setup-test`")
        self.bindir = Path(initdb).parent
        self.dir = Path(tempfile.mkdtemp(prefix="thidua-pg-"))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.user_kw: dict = {}
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            import pwd

            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self.user_kw = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/test"

    def __enter__(self) -> ThrowawayPostgres:
        data = self.dir / "data"
        env = {**os.environ, "LC_ALL": "C"}
        subprocess.run([str(self.bindir / "initdb"), "-D", str(data), "-A", "trust",
                        "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
                       check=True, capture_output=True, env=env, cwd=self.dir, **self.user_kw)
        with open(self.dir / "server.log", "wb") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port),
                 "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                 "-c", "max_connections=200"],
                stdout=subprocess.DEVNULL, stderr=log, env=env, cwd=self.dir, **self.user_kw)
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        wait_until(lambda: postgres_answers(admin), 60, "throwaway PostgreSQL")
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE test")
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRedis:
    def __init__(self) -> None:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(exe).exists():
            raise RuntimeError("no redis-server; run `make setup-test`")
        self.exe = exe
        self.dir = Path(tempfile.mkdtemp(prefix="thidua-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ThrowawayRedis:
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: redis_answers(self.url), 30, "throwaway Redis")
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL database URL (``postgresql://…/test``) for the session."""
    url = os.environ.get("THIDUA_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    if not FORCE_THROWAWAY and postgres_answers(url):
        yield url
        return
    with ThrowawayPostgres() as server:
        yield server.url


@pytest.fixture
def postgres_url(postgres_server):
    """A URL whose connections use a fresh schema of their own (dropped afterwards)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_server else "?"
    url = f"{postgres_server}{sep}options=-csearch_path%3D{schema}"
    yield url
    from service import db

    db.dispose_engines(url)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def redis_server():
    """A Redis URL for the session."""
    url = os.environ.get("THIDUA_TEST_REDIS_URL", DEFAULT_REDIS)
    if not FORCE_THROWAWAY and redis_answers(url):
        yield url
        return
    with ThrowawayRedis() as server:
        yield server.url


@pytest.fixture
def redis_url(redis_server):
    return redis_server


@pytest.fixture
def queue_name(redis_url):
    """A Celery queue of this test alone; its Redis keys are removed afterwards."""
    import redis

    name = f"thidua-test-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    try:  # keys carry the name: queue, bindings and, with THIDUA_BROKER_KEY_PREFIX, all
        keys = list(client.scan_iter(match=f"*{name}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
