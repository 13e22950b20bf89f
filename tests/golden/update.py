"""Rewrite the golden extracts from the current code: ``python -m tests.golden.update``.

Run it only when a change to what a reader sees is deliberate, then read ``git diff
tests/golden`` before committing: that diff is the visible change."""

from __future__ import annotations

import sys

from tests.golden import GOLDEN, cases


def main() -> int:
    wanted = {case.path for case in cases()}
    for case in cases():
        text = case.extract()
        old = case.path.read_text(encoding="utf-8") if case.path.exists() else None
        if text != old:
            case.path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"written: {case.path.name}\n")
    for stale in sorted(set(GOLDEN.glob("*.txt")) - wanted):
        stale.unlink()
        sys.stdout.write(f"removed: {stale.name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
