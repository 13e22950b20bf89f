"""Open a document's PDF and its DOCX (as LibreOffice lays it out) page by page.

The checks an official makes at first glance, before reading a word: the same pages in both
formats, the signature never alone on its page, a heading never the last line of a page.
LibreOffice (a test tool, installed by ``make test``) lays the DOCX out with Times New Roman
mapped to Liberation Serif (Debian's ``fonts-liberation``): the same metrics Word uses.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

# Lines closer than this (pt) to the top of the page are the page number in the margin.
MARGIN_TOP_PT = 20 / 25.4 * 72 - 2


@dataclass(frozen=True)
class Line:
    text: str
    top: float
    bold: bool
    x0: float
    x1: float


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_pdfs(docx_files: dict[str, bytes]) -> dict[str, bytes]:
    """Convert DOCX files (name → bytes) to PDF in one LibreOffice run, with a throwaway
    profile so parallel runs never share one."""
    with tempfile.TemporaryDirectory(prefix="lo-") as tmp:
        root = Path(tmp)
        src = root / "in"
        src.mkdir()
        for name, content in docx_files.items():
            (src / f"{name}.docx").write_bytes(content)
        out = root / "out"
        subprocess.run(
            [soffice(), f"-env:UserInstallation=file://{root}/profile", "--headless",
             "--convert-to", "pdf", "--outdir", str(out),
             *sorted(str(p) for p in src.glob("*.docx"))],
            check=True, capture_output=True, timeout=600)
        return {name: (out / f"{name}.pdf").read_bytes() for name in docx_files}


def page_lines(pdf: bytes) -> list[list[Line]]:
    """Each page's text lines top to bottom (the page number in the margin left out)."""
    import io

    pages: list[list[Line]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list[dict]] = {}
            for ch in page.chars:
                if ch["top"] < MARGIN_TOP_PT:
                    continue
                key = round(ch["bottom"])
                # characters of one line share a baseline within a point
                near = next((k for k in rows if abs(k - key) <= 1), key)
                rows.setdefault(near, []).append(ch)
            lines = []
            for _, chars in sorted(rows.items()):
                chars.sort(key=lambda c: c["x0"])
                text = _join(chars)
                bold = sum("Bold" in c["fontname"] for c in chars) > len(chars) / 2
                lines.append(Line(text, min(c["top"] for c in chars), bold,
                                  min(c["x0"] for c in chars), max(c["x1"] for c in chars)))
            pages.append(lines)
    return pages


def _join(chars: list[dict]) -> str:
    out = []
    prev = None
    for ch in chars:
        if prev is not None and ch["x0"] - prev["x1"] > ch["size"] * 0.15:
            out.append(" ")
        out.append(ch["text"])
        prev = ch
    return unicodedata.normalize("NFC", " ".join("".join(out).split()))


def first_words(lines: list[Line], n: int = 4) -> str:
    return " ".join(" ".join(line.text for line in lines).split()[:n])


def page_starts(pdf: bytes, n: int = 4) -> list[str]:
    return [first_words(lines, n) for lines in page_lines(pdf)]
