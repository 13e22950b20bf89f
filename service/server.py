"""Run the app under gunicorn, programmatically (``serve``) or from ``gunicorn.conf.py``."""

from __future__ import annotations

from typing import Any


def run(host: str, port: int, *, workers: int = 1, threads: int = 8) -> None:
    from gunicorn.app.base import BaseApplication

    from service import create_app
    from service.config import load

    settings = load()

    class _App(BaseApplication):
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "timeout": settings["RENDER_TIMEOUT_S"],
                "graceful_timeout": 30,
                "limit_request_line": 8190,
                "limit_request_fields": 100,
                "limit_request_field_size": 8190,
                "accesslog": None,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return create_app()

    print(f"Dịch vụ văn bản thi đua, khen thưởng: http://{host}:{port}/", flush=True)
    _App().run()
