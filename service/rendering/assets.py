"""Bundled assets served to WeasyPrint from memory, and a fetcher that refuses everything else.

WeasyPrint's default fetcher follows http, https, ftp, file and data URLs and redirects, and
``<link rel=attachment>`` embeds whatever it fetched into the PDF (SECURITY.md §2.1). Ours
answers only ``asset:NAME`` for files shipped in ``doc_templates/html/assets`` (read once into
memory, so no path is ever resolved at render time) and ``data:`` images, and raises a fatal
error for anything else, so a bad template fails loudly instead of leaking or fetching.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import threading
from pathlib import Path
from urllib.parse import unquote_to_bytes

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

ALLOWED_DATA_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}
_DATA_RE = re.compile(r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[\w.-]+)*)(;base64)?,(.*)", re.S)
MAX_DATA_URL_BYTES = 2 * 1024 * 1024


class AssetStore:
    """Every file under an assets directory, loaded into memory once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def load(self) -> AssetStore:
        with self._lock:
            if not self._files:
                for path in sorted(self.root.rglob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        name = path.relative_to(self.root).as_posix()
                        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                        if path.suffix == ".ttf":
                            mime = "font/ttf"
                        self._files[name] = (path.read_bytes(), mime)
        return self

    def get(self, name: str) -> tuple[bytes, str] | None:
        return self._files.get(name)

    def names(self) -> list[str]:
        return sorted(self._files)


class AssetFetcher(URLFetcher):
    """Serve ``asset:`` names from an :class:`AssetStore` and small ``data:`` images only."""

    def __init__(self, store: AssetStore) -> None:
        super().__init__(allowed_protocols=set(), allow_redirects=False, fail_on_errors=True)
        self.store = store

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.startswith("asset:"):
            found = self.store.get(url[len("asset:"):])
            if found is None:
                raise FatalURLFetchingError(f"unknown bundled asset: {url[:80]}")
            body, mime = found
            return URLFetcherResponse(url, body, headers={"Content-Type": mime})
        if url.startswith("data:"):
            return self._data(url)
        raise FatalURLFetchingError(f"refused to fetch {url[:80]!r}: only bundled assets")

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        match = _DATA_RE.fullmatch(url)
        if not match or (match.group(1) or "") not in ALLOWED_DATA_TYPES:
            raise FatalURLFetchingError("refused data: URL of a type other than an image")
        payload = match.group(4)
        if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 4:
            raise FatalURLFetchingError("data: URL too large")
        body = base64.b64decode(payload) if match.group(3) else unquote_to_bytes(payload)
        return URLFetcherResponse("data:", body, headers={"Content-Type": match.group(1)})


def asset_root(templates_dir: Path) -> Path:
    return templates_dir / "html" / "assets"
