# syntax=docker/dockerfile:1
# Multi-stage build of the same service `make run` starts. Runtime: Debian's Pango and
# libharfbuzz-subset0 (WeasyPrint; without the latter font subsetting is ~14x slower), the
# bundled Liberation Serif in doc_templates/ (PDFs never use host fonts), tini, non-root user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY schemas ./schemas
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install .

FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin thidua
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root service ./service
COPY --chown=root:root schemas ./schemas
COPY --chown=root:root doc_templates ./doc_templates
COPY --chown=root:root samples ./samples
COPY --chown=root:root gunicorn.conf.py ./
RUN mkdir -p /data && chown thidua /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    THIDUA_HOST=0.0.0.0 THIDUA_PORT=8000 THIDUA_DATA_DIR=/data \
    THIDUA_TEMPLATES_DIR=/app/doc_templates THIDUA_SAMPLES_DIR=/app/samples
USER thidua
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
ENTRYPOINT ["tini", "--"]
# `docker run IMAGE` serves; `docker run IMAGE python -m service worker` is a Celery worker.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "service:create_app()"]
