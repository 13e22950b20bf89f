"""The issued files under ``DATA_DIR/register/<year>/<id>.<pdf|docx>``.

Files are written (atomically) before their row is committed; a file whose row never
committed (the process died, the insert failed) is garbage, found by :func:`orphans`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from service.bulk import write_atomic

NAME = re.compile(r"^(?P<year>\d{4})/(?P<id>[0-9a-f]{32})\.(?P<ext>pdf|docx)$")


class IssuedFiles:
    """Where the register keeps the bytes of what it issued."""

    def __init__(self, data_dir: Path | str) -> None:
        self.root = Path(data_dir) / "register"

    @staticmethod
    def name(year: int, issued_id: str, ext: str) -> str:
        return f"{year}/{issued_id}.{ext}"

    def path(self, name: str) -> Path:
        if not NAME.match(name):  # only names this module made
            raise ValueError(f"not a register file name: {name!r}")
        return self.root / name

    def write(self, name: str, content: bytes) -> str:
        """Store ``content`` under ``name``; its SHA-256 (hex)."""
        write_atomic(self.path(name), content)
        return hashlib.sha256(content).hexdigest()

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def discard(self, names: Iterable[str]) -> None:
        for name in names:
            self.path(name).unlink(missing_ok=True)

    def stored(self) -> list[str]:
        """Every stored file's name (temporary files of an interrupted write excluded)."""
        if not self.root.is_dir():
            return []
        names = (p.relative_to(self.root).as_posix() for p in self.root.glob("*/*"))
        return sorted(n for n in names if NAME.match(n))

    def orphans(self, recorded: set[str]) -> list[str]:
        """Stored files no row names: left by an issue that did not commit."""
        return [name for name in self.stored() if name not in recorded]
