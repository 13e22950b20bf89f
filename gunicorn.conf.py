"""Production gunicorn settings: `gunicorn -c gunicorn.conf.py "service:create_app()"`.

On SIGTERM requests in flight finish and batch chunks being rendered get
``graceful_timeout - 10`` seconds to finish (then they are handed back without using an
attempt); see ``service/server.py``.
"""

import os

bind = f"{os.environ.get('THIDUA_HOST', '127.0.0.1')}:{os.environ.get('THIDUA_PORT', '8000')}"
workers = int(os.environ.get("THIDUA_GUNICORN_WORKERS", "2"))
worker_class = "service.gworker.BufferingWorker"  # gthread; threads get whole requests only
threads = 4
timeout = int(os.environ.get("THIDUA_RENDER_TIMEOUT_S", "120"))
graceful_timeout = 30
max_requests = 2000          # recycle workers: bounds slow native-memory growth
max_requests_jitter = 200
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker):
    from service.server import post_worker_init as hook

    hook(worker)


def worker_int(worker):
    from service.server import worker_int as hook

    hook(worker)


def worker_abort(worker):
    from service.server import worker_abort as hook

    hook(worker)


def worker_exit(server, worker):
    from service.server import worker_exit as hook

    hook(server, worker)
# gunicorn >= 27 opens a control socket under ~/.gunicorn shared by every instance of the user;
# the service needs none (older gunicorn ignores the name).
control_socket_disable = True
