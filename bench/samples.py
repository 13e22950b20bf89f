"""Render every sample to DOCX and PDF, and the pages to PNG, for a person to look at.

``python -m bench.samples build/samples`` writes ``<id>.docx``, ``<id>.pdf``,
``<id>-<page>.png`` and, when LibreOffice is installed, ``<id>.docx.pdf`` +
``<id>-docx-<page>.png`` (the DOCX as Word-like software lays it out).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import ROOT, sample


def main(argv: list[str] | None = None) -> None:
    from service import registry
    from service.registry import Format
    from service.rendering import get_renderer, validate

    out = Path((argv or sys.argv[1:] or ["build/samples"])[0])
    out.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(ROOT / "doc_templates")
    for doc_type in registry.document_types().values():
        data = validate(doc_type, sample(doc_type.id))
        for fmt in doc_type.formats:
            path = out / f"{doc_type.id}.{fmt.value}"
            path.write_bytes(renderer.render(doc_type, data, fmt).content)
            print(path)
            if fmt is Format.PDF and shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-r", "70", "-png", str(path),
                                str(out / doc_type.id)], check=True)
            if fmt is Format.DOCX and shutil.which("soffice"):
                lo_dir = out / "libreoffice"
                subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir",
                                str(lo_dir), str(path)], check=True, capture_output=True,
                               timeout=120)
                if shutil.which("pdftoppm"):
                    subprocess.run(["pdftoppm", "-r", "70", "-png",
                                    str(lo_dir / f"{doc_type.id}.pdf"),
                                    str(out / f"{doc_type.id}-docx")], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
