"""The commendation decision with an attached list of 10, 300 and 3.000 entries, DOCX and PDF:
validation and render time (median over runs in a warm process), peak memory, and how the
time grows with the number of entries.

Each (size, format) runs in a fresh process, so its peak RSS is that case's alone. Entries are
generated: one collective in fifteen, individuals with long positions and unit names that wrap
in their cells, amounts computed from the rewards table (``compute_rewards``).

    python -m bench decision            # all sizes
    python -m bench.decision --sizes 10,300
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import statistics
import subprocess
import sys
import time

from bench.common import ROOT, peak_rss_mb, sample

SIZES = (10, 300, 3000)
FORMATS = ("docx", "pdf")
RUNS = {10: 15, 300: 5, 3000: 3}

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = (("Văn", "ong"), ("Thị", "ba"), ("Hữu", "ong"), ("Minh", "ong"), ("Thị Thu", "ba"),
          ("Đức", "ong"), ("Ngọc", "ba"), ("Thanh", "ong"), ("Quốc", "ong"), ("Thị Hồng", "ba"))
GIVEN = ("An", "Ánh", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hùng",
         "Khánh", "Lan", "Linh", "Minh", "Nam", "Nhung", "Phúc", "Quân", "Sơn", "Thảo", "Trang",
         "Tuấn", "Uyên", "Vân", "Yến")


def make_entries(n: int) -> list[dict]:
    """``n`` realistic entries: the first n/15 collectives, the rest individuals."""
    collectives = max(1, n // 15)
    out = []
    for i in range(n):
        school = f"Trường Trung học phổ thông số {i % 40 + 1} thành phố Thanh Hóa"
        if i < collectives:
            out.append({"kind": "tap_the", "name": f"Tổ chuyên môn Khoa học tự nhiên số {i + 1}",
                        "unit": school})
            continue
        middle, honorific = MIDDLE[i % len(MIDDLE)]
        out.append({
            "kind": "ca_nhan", "honorific": honorific,
            "name": f"{FAMILY[i % len(FAMILY)]} {middle} {GIVEN[i % len(GIVEN)]}",
            "position": "Giáo viên" if i % 3 else
            "Tổ trưởng Tổ Ngữ văn - Lịch sử - Địa lý - Giáo dục công dân",
            "unit": f"{school}, tỉnh Thanh Hóa",
        })
    return out


def payload(n: int) -> dict:
    data = sample("commendation_decision")
    data["entries"] = make_entries(n)
    data["compute_rewards"] = True
    return data


def run_case(n: int, fmt: str, runs: int) -> dict:
    """In this process: validate and render ``runs`` times (after one warm-up render of the
    sample), return the figures."""
    from service import registry
    from service.registry import Format
    from service.rendering import get_renderer, validate

    doc_type = registry.get("commendation_decision")
    renderer = get_renderer(ROOT / "doc_templates")
    fmt_ = Format(fmt)
    renderer.render(doc_type, validate(doc_type, sample(doc_type.id)), fmt_)  # fonts, templates
    body = payload(n)
    validate_times, render_times = [], []
    content = b""
    for _ in range(runs):
        started = time.perf_counter()
        data = validate(doc_type, body)
        validated = time.perf_counter()
        content = renderer.render(doc_type, data, fmt_).content
        validate_times.append(validated - started)
        render_times.append(time.perf_counter() - validated)
        gc.collect()  # between runs, untimed: the peak is one render's, not the runs' cycles
    pages = None
    if fmt_ is Format.PDF:
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(content)).pages)
    return {"entries": n, "format": fmt, "runs": runs,
            "validate_s": statistics.median(validate_times),
            "render_s": statistics.median(render_times),
            "render_min_s": min(render_times), "render_max_s": max(render_times),
            "peak_rss_mb": peak_rss_mb(), "bytes": len(content), "pages": pages}


def measure(n: int, fmt: str, runs: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.decision", "--case", str(n), fmt,
                          str(runs)], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(results: list[dict]) -> None:
    print(f"{'entries':>7} {'fmt':4} {'validate':>9} {'render':>9} {'min-max':>15} "
          f"{'ms/entry':>8} {'peak RSS':>9} {'size':>9} {'pages':>5}")
    for r in results:
        print(f"{r['entries']:>7} {r['format']:4} {r['validate_s'] * 1000:7.1f}ms "
              f"{r['render_s']:8.3f}s {r['render_min_s']:6.3f}-{r['render_max_s']:.3f}s "
              f"{r['render_s'] / r['entries'] * 1000:8.2f} {r['peak_rss_mb']:7.0f}MB "
              f"{r['bytes'] / 1024:7.0f}KB {r['pages'] if r['pages'] else '':>5}")
    by = {(r["entries"], r["format"]): r for r in results}
    for fmt in FORMATS:
        sizes = sorted(n for n, f in by if f == fmt)
        if len(sizes) < 2:
            continue
        for stat in ("render_s", "render_min_s"):
            lo, hi = sizes[-2], sizes[-1]
            t_lo, t_hi = by[(lo, fmt)][stat], by[(hi, fmt)][stat]
            line = (f"{fmt} ({'median' if stat == 'render_s' else 'min'}): time({hi})/time({lo})"
                    f" = {t_hi / t_lo:.2f} for {hi / lo:.0f}× the entries (linear: {hi / lo:.0f})")
            if len(sizes) >= 3:
                first = sizes[0]
                t_first = by[(first, fmt)][stat]
                m1 = (t_lo - t_first) / (lo - first) * 1000
                m2 = (t_hi - t_lo) / (hi - lo) * 1000
                line += (f"; cost per added entry {m1:.2f} ms ({first}→{lo}), {m2:.2f} ms "
                         f"({lo}→{hi})")
            print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.decision")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--case", nargs=3, metavar=("N", "FORMAT", "RUNS"))
    args = parser.parse_args(argv)
    if args.case:
        n, fmt, runs = args.case
        print(json.dumps(run_case(int(n), fmt, int(runs))))
        return
    print("commendation_decision: validate + render in a warm process per case "
          "(median over runs), peak RSS of that process")
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            results.append(measure(n, fmt, RUNS.get(n, 3)))
            r = results[-1]
            print(f"  {n} {fmt}: {r['render_s']:.3f} s, {r['peak_rss_mb']:.0f} MB", flush=True)
    report(results)


if __name__ == "__main__":
    main(sys.argv[1:])
