"""Golden files: every sample's DOCX and PDF (the certificate in both modes on every profile,
the batch sample through the bulk renderer) still shows a reader exactly what the committed
extract in tests/golden/ says: page size, every line of text where it stands, fonts, rules,
paragraph formatting, tables, sections. A deliberate visible change is committed by
regenerating the extracts: ``python -m tests.golden.update`` (then review ``git diff``)."""

from __future__ import annotations

import difflib

import pytest

from tests.golden import GOLDEN, cases

CASES = cases()
REGENERATE = "python -m tests.golden.update"


@pytest.mark.parametrize("case", CASES, ids=[case.path.name for case in CASES])
def test_rendering_matches_its_golden_extract(case):
    assert case.path.is_file(), f"no golden file {case.path.name}; run `{REGENERATE}`"
    expected = case.path.read_text(encoding="utf-8")
    actual = case.extract()
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                    f"golden/{case.path.name}", "rendered now", lineterm="", n=2)
        pytest.fail(f"{case.path.name} differs from what is rendered now (if the change is "
                    f"deliberate, run `{REGENERATE}` and review the diff):\n" + "\n".join(diff),
                    pytrace=False)


def test_every_golden_file_belongs_to_a_rendering():
    expected = {case.path.name for case in CASES}
    assert len(expected) == len(CASES), "two cases write the same golden file"
    committed = {path.name for path in GOLDEN.glob("*.txt")}
    assert committed == expected, f"stale: {committed - expected}, missing: {expected - committed}"
