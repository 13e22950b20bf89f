"""Run the benchmarks and print their figures.

Each module ``bench/<name>.py`` has ``main(argv=None)`` that prints its own figures (medians,
documents per second, peak memory). Timings are never asserted anywhere: this is where speed
is measured.
"""

from __future__ import annotations

import importlib
import sys
import time

ORDER = ("render_single", "decision", "lists", "certificates", "jobs", "load", "signing",
         "dossier")


def main(argv: list[str]) -> int:
    names = argv or [n for n in ORDER if importlib.util.find_spec(f"bench.{n}") is not None]
    for name in names:
        if importlib.util.find_spec(f"bench.{name}") is None:
            print(f"no benchmark named {name}; have: {', '.join(ORDER)}", file=sys.stderr)
            return 2
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main([])
        print(f"(bench.{name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    import importlib.util

    sys.exit(main(sys.argv[1:]))
