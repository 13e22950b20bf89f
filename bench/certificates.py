"""Certificates in bulk: end to end from an XLSX list to the finished merged PDF (and ZIPs), with
the peak memory of every process, against two baselines measured in the same run.

* ours: ``python -m service batch certificate list.xlsx --common common.json -o out.pdf``
  (a fresh process: read the spreadsheet, validate every row, render chunks in 2 worker
  processes, stream-merge); the same for ``out.zip`` of PDFs and of DOCX files;
* baseline A: every certificate as its own WeasyPrint document, one after another (warm,
  shared stylesheet and fonts, HarfBuzz subsetting), then merged with pypdf;
* baseline B: docxtpl for each certificate, then LibreOffice headless converting them all in
  one call, then merged with pypdf (what most people build).

Baselines are slow, so they run on fewer certificates; every figure is certificates per
second of wall time from the input file to the finished output.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import ROOT

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thu", "Quốc", "Ngọc", "Thanh", "Đức", "Thị Thanh"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Khánh", "Linh", "Phúc", "Quyên", "Sơn",
         "Thảo", "Uyên", "Vy", "Yến", "Tuấn", "Đạt", "Nhung", "Hằng", "Thắng"]
UNITS = ["Phòng Tổ chức cán bộ", "Văn phòng Sở", "Phòng Kế hoạch - Tài chính", "Thanh tra Sở",
         "Trung tâm Công nghệ thông tin", "Phòng Bưu chính, Viễn thông"]


def write_list(path: Path, count: int) -> None:
    """A recipients spreadsheet as a clerk would make it (STT, name, honorific, position, unit)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(["STT", "Họ và tên", "Danh xưng", "Chức vụ", "Đơn vị"])
    for i in range(count):
        middle = MIDDLE[i % len(MIDDLE)]
        sheet.append([i + 1, f"{FAMILY[i % 16]} {middle} {GIVEN[(i // 3) % 20]}",
                      "Bà" if "Thị" in middle else "Ông",
                      "Chuyên viên" if i % 4 else "Trưởng phòng",
                      f"{UNITS[i % len(UNITS)]}, Sở Khoa học và Công nghệ tỉnh Quảng Trị"])
    workbook.save(path)


def common() -> dict:
    data = json.loads((ROOT / "samples" / "certificate_batch.json").read_text(encoding="utf-8"))
    return data["common"]


class TreeMemory:
    """Peak RSS of each process of a process tree, sampled every 100 ms."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.peaks: dict[int, tuple[str, float]] = {}
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import psutil

        while self.running:
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in procs[1:]:  # procs[0] is the wrapper; its child is the command
                try:
                    rss = proc.memory_info().rss / 2**20
                    role = "main" if proc.ppid() == self.root.pid else "worker"
                    old = self.peaks.get(proc.pid, (role, 0.0))[1]
                    self.peaks[proc.pid] = (role, max(old, rss))
                except psutil.Error:
                    continue
            time.sleep(0.1)

    def stop(self) -> str:
        self.running = False
        self.thread.join()
        main = [p for r, p in self.peaks.values() if r == "main"]
        workers = sorted((p for r, p in self.peaks.values() if r == "worker" and p > 30),
                         reverse=True)  # (the small ones are multiprocessing's helpers)
        return (f"main {max(main, default=0):.0f} MB, workers "
                + ", ".join(f"{p:.0f}" for p in workers) + " MB")


# A small wrapper process runs the command and reports the kernel's peak RSS of the largest
# process of its tree (the command and its workers); run straight from this (big) process, a
# fork would inherit this process's size into the figure.
_WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
            "sys.exit(code)")


def run_cli(source: Path, out: Path, common_path: Path, *extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, sys.executable, "-m", "service",
                             "batch", "certificate", str(source), "--common", str(common_path),
                             "-o", str(out), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    memory = TreeMemory(proc.pid)
    _, stderr = proc.communicate(timeout=1800)
    elapsed = time.perf_counter() - started
    peaks = memory.stop()
    if proc.returncode != 0:
        raise RuntimeError(stderr.decode()[-2000:])
    tree_max = int(stderr.decode().strip().splitlines()[-1]) / 1024
    return elapsed, f"{peaks}; kernel peak of the largest process {tree_max:.0f} MB"


def page_count(path: Path) -> int:
    """Pages of a PDF, counted in another process (keeps this one small)."""
    code = "import sys; from pypdf import PdfReader; print(len(PdfReader(sys.argv[1]).pages))"
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            check=True, cwd=ROOT)
    return int(result.stdout)


def baseline_weasyprint(source: Path, count: int) -> float:
    """Each certificate its own WeasyPrint document, one after another, then pypdf merge."""
    from pypdf import PdfWriter

    from service import registry, tabular
    from service.bulk import prepare
    from service.registry import Format
    from service.rendering import get_renderer

    doc_type = registry.get("certificate")
    renderer = get_renderer(ROOT / "doc_templates")
    renderer.render(doc_type, prepare(doc_type, common(), [{"honorific": "ong",
                    "recipient_name": "Khởi động"}])[0].data, Format.PDF)  # warm up, not counted
    started = time.perf_counter()
    table = tabular.read_table(source.read_bytes(), source.name, doc_type.schema)
    items = prepare(doc_type, common(), table.items[:count], rows=table.rows[:count])
    writer = PdfWriter()
    for item in items:
        writer.append(io.BytesIO(renderer.render(doc_type, item.data, Format.PDF).content))
    with tempfile.TemporaryFile() as handle:
        writer.write(handle)
    return count / (time.perf_counter() - started)


def baseline_libreoffice(source: Path, count: int) -> float | None:
    """docxtpl for each certificate, LibreOffice converting all of them in one call, merge."""
    from pypdf import PdfWriter

    from service import registry, tabular
    from service.bulk import prepare
    from service.registry import Format
    from service.rendering import get_renderer

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    doc_type = registry.get("certificate")
    renderer = get_renderer(ROOT / "doc_templates")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        profile = work / "profile"
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--version"], capture_output=True, timeout=120)  # create the profile
        started = time.perf_counter()
        table = tabular.read_table(source.read_bytes(), source.name, doc_type.schema)
        items = prepare(doc_type, common(), table.items[:count], rows=table.rows[:count])
        docs = []
        for item in items:
            path = work / f"{item.index:05d}.docx"
            path.write_bytes(renderer.render(doc_type, item.data, Format.DOCX).content)
            docs.append(path)
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(work / "pdf"),
                        *map(str, docs)], capture_output=True, timeout=1800, check=True)
        writer = PdfWriter()
        for path in docs:
            writer.append(str(work / "pdf" / f"{path.stem}.pdf"))
        with tempfile.TemporaryFile() as handle:
            writer.write(handle)
        return count / (time.perf_counter() - started)


def strategies(count: int = 200) -> None:
    """In one process, per page: the whole certificate laid out on every page of a multi-page
    document, against the chosen split (background once + light pages + overlay)."""
    from service import registry
    from service.bulk import prepare, render_chunk
    from service.doctypes._certificate_bulk import _state
    from service.rendering import get_renderer

    doc_type = registry.get("certificate")
    renderer = get_renderer(ROOT / "doc_templates")
    items = prepare(doc_type, common(), [
        {"honorific": "ong", "position": "Chuyên viên", "unit": UNITS[i % len(UNITS)],
         "recipient_name": f"{FAMILY[i % 16]} {MIDDLE[i % 10]} {GIVEN[i % 20]}"}
        for i in range(count)])
    state = _state(renderer)
    render_chunk(renderer, doc_type, items[:5], "pdf")  # warm up

    def whole() -> None:
        for start in range(0, count, 100):
            layouts = [doc_type.build_context(it.data) for it in items[start:start + 100]]
            state.pdf(layouts[0]["page"], [{"decor": True, "boxes": lay["boxes"]}
                                          for lay in layouts], doc_type.title)

    def split() -> None:
        for start in range(0, count, 100):
            render_chunk(renderer, doc_type, items[start:start + 100], "pdf")

    for label, fn in (("whole certificate on every page", whole),
                      ("background once + light pages (chosen)", split)):
        started = time.perf_counter()
        fn()
        ms = (time.perf_counter() - started) / count * 1000
        print(f"one process, chunks of 100, {label:40s} {ms:5.2f} ms/cert → "
              f"{1000 / ms:6.1f} cert/s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench certificates")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_000, help="second size, for memory growth")
    parser.add_argument("--baseline-count", type=int, default=300)
    parser.add_argument("--lo-count", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv or [])

    from weasyprint.text.ffi import harfbuzz_subset

    print(f"font subsetting: {'HarfBuzz' if harfbuzz_subset else 'fontTools (slow!)'}; "
          f"workers: {args.workers}; peak RSS sampled per process every 100 ms")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        common_path = work / "common.json"
        common_path.write_text(json.dumps(common(), ensure_ascii=False), encoding="utf-8")
        results = {}
        for count in (args.small, args.count):
            source = work / f"list-{count}.xlsx"
            write_list(source, count)
            out = work / f"out-{count}.pdf"
            elapsed, peaks = run_cli(source, out, common_path, "--workers", str(args.workers))
            pages = page_count(out)
            assert pages == count, (pages, count)
            results[count] = count / elapsed
            print(f"merged PDF  {count:6d} certificates: {elapsed:6.1f} s → "
                  f"{count / elapsed:6.1f} cert/s, {out.stat().st_size / count / 1024:.1f} KB/cert;"
                  f" peak RSS {peaks}")
            out.unlink()
        source = work / f"list-{args.count}.xlsx"
        for fmt in ("pdf", "docx"):
            out = work / f"out-{fmt}.zip"
            elapsed, peaks = run_cli(source, out, common_path, "--workers", str(args.workers),
                                     "--zip-format", fmt)
            per_file = out.stat().st_size / args.count / 1024
            print(f"ZIP of {fmt:4s} {args.count:6d} certificates: {elapsed:6.1f} s → "
                  f"{args.count / elapsed:6.1f} cert/s, {per_file:.1f} KB/file; peak RSS {peaks}")
            out.unlink()
        strategies()
        ours = results[args.count]
        base_a = baseline_weasyprint(source, args.baseline_count)
        print(f"baseline A, one WeasyPrint document per certificate ({args.baseline_count}): "
              f"{base_a:6.1f} cert/s → ours is {ours / base_a:.1f}× faster")
        base_b = baseline_libreoffice(source, args.lo_count)
        if base_b is None:
            print("baseline B skipped: LibreOffice (soffice) is not installed")
        else:
            print(f"baseline B, docxtpl + LibreOffice headless ({args.lo_count}): "
                  f"{base_b:6.1f} cert/s → ours is {ours / base_b:.1f}× faster")
        print(f"this benchmark process (baselines in-process): "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
