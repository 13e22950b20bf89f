"""The decision's list from a spreadsheet: a 3.000-row XLSX (clerks' words for kind, honorific
and award) read by the conversion endpoint, the blank list, and the decision rendered from
its payload and list file in one multipart request — time (median) and peak memory, in
process through the Flask app (no HTTP server).

    python -m bench lists
    python -m bench.lists --rows 3000 --runs 3
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time

from bench.common import peak_rss_mb, sample
from bench.decision import make_entries

TYPE = "commendation_decision"
WORDS = {"ca_nhan": "Cá nhân", "tap_the": "Tập thể", "ong": "Ông", "ba": "Bà"}
HEADERS = ["STT", "Đối tượng", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị",
           "Hình thức khen thưởng", "Ghi chú"]


def list_xlsx(rows: int) -> bytes:
    """A list as a clerk makes it: a title row, STT and Ghi chú, Vietnamese words."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2025 - 2026"])
    sheet.append(HEADERS)
    for i, entry in enumerate(make_entries(rows), start=1):
        award = "Bằng khen của Chủ tịch UBND tỉnh" if i % 50 == 0 else "Giấy khen"
        sheet.append([i, WORDS[entry["kind"]], WORDS.get(entry.get("honorific", "")),
                      entry["name"], entry.get("position"), entry["unit"], award, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _client(data_dir: str):
    from service import create_app
    from service.auth.store import AuthStore

    app = create_app({"DATA_DIR": data_dir, "TESTING": True})
    _key, token = AuthStore.from_settings(app.config).create_key("bench", "clerk", "bench")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _median(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench lists")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv or [])
    url = f"/api/v1/document-types/{TYPE}/lists/entries"
    started = time.perf_counter()
    content = list_xlsx(args.rows)
    print(f"XLSX of {args.rows} rows made in {time.perf_counter() - started:.2f} s "
          f"({len(content) / 1024:.0f} KiB)")
    with tempfile.TemporaryDirectory() as tmp:
        client = _client(tmp)

        def convert():
            response = client.post(url, data={"file": (io.BytesIO(content), "ds.xlsx")},
                                   content_type="multipart/form-data")
            assert response.status_code == 200, response.get_json()
            return response.get_json()["items"]

        elapsed, items = _median(convert, args.runs)
        print(f"list → items ({len(items)} rows, POST {url}): {elapsed:.2f} s median "
              f"({len(items) / elapsed:.0f} rows/s)")
        elapsed, _ = _median(lambda: client.get(f"{url}.xlsx").data, args.runs)
        print(f"blank list (GET {url}.xlsx): {elapsed * 1000:.0f} ms median")
        payload = sample(TYPE)
        del payload["entries"]
        for fmt in ("docx", "pdf"):
            def render(fmt=fmt):
                form = {"payload": json.dumps(payload, ensure_ascii=False),
                        "entries": (io.BytesIO(content), "ds.xlsx")}
                response = client.post(f"/api/v1/documents/{TYPE}.{fmt}", data=form,
                                       content_type="multipart/form-data")
                assert response.status_code == 200, response.get_json()
                return len(response.data)

            elapsed, size = _median(render, 1 if fmt == "pdf" else args.runs)
            print(f"decision + {args.rows}-row list file → {fmt.upper()} (one multipart "
                  f"request): {elapsed:.1f} s, {int(size) / 1024:.0f} KiB")
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
