"""The dossier's steps: each render step's numbers (:func:`numbered`), and the last step,
the ZIP "hồ sơ" of an issued decision (:func:`assemble_dossier`).

It holds the decision as issued (the stored DOCX and PDF, byte for byte), the certificates
merged in one PDF (award by award: the items are grouped so), one PDF per certificate (the
merged chunk files split page by page: a certificate is always one page), and the
decision's entries of the commendation register as XLSX. Written to a temporary file and
renamed, so a step that runs again finds either no result or the complete one.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from service.bulk import BatchItem, Output, assemble
from service.kit.plugin import safe_file_stem, zip_info
from service.register import RegisterStore
from service.register.commendation import PRINTED, CommendationStore
from service.register.commendation_export import to_xlsx

MERGED_NAME = "2 Bằng khen, Giấy khen - bản gộp.pdf"
SINGLE_DIR = "3 Từng bằng, giấy khen"
REGISTER_NAME = "4 Sổ khen thưởng.xlsx"


def numbered(settings: Mapping[str, Any], job_id: str, items: Sequence[BatchItem]
             ) -> list[BatchItem]:
    """The items with the register numbers reserved for them."""
    entries = CommendationStore(settings, migrate=False).for_job(
        job_id, [item.index for item in items])
    numbers = {entry.item_index: str(entry.number) for entry in entries}
    return [replace(item, data={**item.data, "register_no": numbers[item.index]})
            for item in items]


def decision_names(number_symbol: str) -> dict[str, str]:
    stem = safe_file_stem(f"1 Quyết định {number_symbol.replace('/', '-')}")
    return {"docx": f"{stem}.docx", "pdf": f"{stem}.pdf"}


def _decision(out: zipfile.ZipFile, settings: Mapping[str, Any], source: str) -> None:
    register = RegisterStore(settings, migrate=False)
    view = register.require(source)
    for fmt, name in decision_names(view.number_symbol).items():
        out.writestr(zip_info(name), register.file_bytes(source, fmt))


def _copy(out: zipfile.ZipFile, path: Path, name: str) -> None:
    with open(path, "rb") as src, out.open(zip_info(name), "w", force_zip64=True) as dst:
        while block := src.read(1 << 20):
            dst.write(block)


def _singles(out: zipfile.ZipFile, chunks: Sequence[tuple[Path, list[BatchItem]]]) -> None:
    from service.pdf_merge import split_pages

    for path, items in chunks:
        pages = split_pages(path.read_bytes())
        if len(pages) != len(items):
            raise ValueError(f"{path.name}: {len(pages)} pages for {len(items)} items")
        for item, page in zip(items, pages, strict=True):
            out.writestr(zip_info(f"{SINGLE_DIR}/{item.name}.pdf"), page)


def _register(out: zipfile.ZipFile, settings: Mapping[str, Any], job_id: str,
              failed: set[int]) -> None:
    entries = CommendationStore(settings, migrate=False).for_job(job_id)
    entries = [entry if entry.item_index in failed else replace(entry, state=PRINTED)
               for entry in entries]
    out.writestr(zip_info(REGISTER_NAME), to_xlsx(entries))


def assemble_dossier(settings: Mapping[str, Any], job_id: str, source: str,
                     chunks: Sequence[tuple[Path, list[BatchItem]]], failed: set[int],
                     dest: Path) -> None:
    """Write the dossier ZIP to ``dest`` (atomically): ``chunks`` are the render steps'
    PDF files with their items, in item order; ``failed`` the indexes not printed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    merged = Path(tmp + ".merged.pdf")
    try:
        assemble([path for path, _ in chunks], Output.PDF, merged)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
            _decision(out, settings, source)
            _copy(out, merged, MERGED_NAME)
            _singles(out, chunks)
            _register(out, settings, job_id, failed)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        merged.unlink(missing_ok=True)
