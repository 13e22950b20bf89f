"""What an official checks at first glance, beyond the page breaks (tests/test_pagination.py):
the decision's money article, awards of several kinds in one list, a directive written as the
real ones are (its theme, tasks without sections, one end mark), and the DOCX's properties."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile

import pytest

from service.registry import Format, document_types
from tests.conftest import load_sample
from tests.support.documents import (
    docx_lines,
    pdf_words_without_page_numbers,
    render_type,
    validation_problems,
)


def _render(type_id: str, payload: dict, fmt: Format) -> bytes:
    return render_type(document_types()[type_id], payload, fmt).content


def _texts(type_id: str, payload: dict) -> tuple[str, str]:
    """(DOCX text, PDF text), whitespace folded; a line broken after NĐ- joined again."""
    docx = " ".join(docx_lines(_render(type_id, payload, Format.DOCX)))
    pdf = " ".join(pdf_words_without_page_numbers(_render(type_id, payload, Format.PDF)))
    fold = lambda t: re.sub(r"(?<=\S)- (?=\S)", "-", " ".join(t.split()))  # noqa: E731
    return fold(docx), fold(pdf)


# ------------------------------------------------------------------ the decision's articles

def _articles(payload: dict) -> list[str]:
    from service.rendering import validate

    doc_type = document_types()["commendation_decision"]
    context = doc_type.build_context(validate(doc_type, payload))
    return [b["text"] for b in context["body"] if b["kind"] == "clause"]


def test_the_money_article_names_its_legal_basis_and_the_funds():
    payload = load_sample("commendation_decision")
    money = _articles(payload)[1]
    assert "theo quy định tại Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025" in money
    assert money.endswith("Kinh phí khen thưởng được chi từ Quỹ thi đua, khen thưởng của Sở "
                          "Giáo dục và Đào tạo năm 2026.")
    for text in _texts("commendation_decision", payload):
        assert "theo quy định tại Nghị định số 152/2025/NĐ-CP" in text


def test_the_legal_basis_follows_the_date_the_amounts_are_computed_for():
    from service import rewards

    table = rewards.current()
    assert table.legal_basis(dt.date(2025, 3, 1)).startswith("Nghị định số 98/2023/NĐ-CP")
    assert table.legal_basis(dt.date(2025, 7, 1)).startswith("Nghị định số 152/2025/NĐ-CP")
    assert table.legal_basis(dt.date(2023, 1, 1)) is None


def test_a_legal_basis_row_with_an_unknown_key_stops_the_table(tmp_path):
    from service import rewards

    source = rewards.default_path().read_text(encoding="utf-8")
    broken = tmp_path / "rewards.toml"
    broken.write_text(source.replace('text = "Nghị định số 152', 'txt = "Nghị định số 152'),
                      encoding="utf-8")
    with pytest.raises(rewards.RewardsConfigError, match=r"legal_basis\[1\]"):
        rewards.load(broken)


def test_amounts_typed_by_hand_cite_no_decree():
    payload = load_sample("commendation_decision")
    payload["compute_rewards"] = False
    for entry in payload["entries"]:
        entry["amount"] = 500000
    money = _articles(payload)[1]
    assert "Nghị định" not in money
    assert "Kinh phí khen thưởng được chi từ" in money


def test_article_1_names_every_award_of_a_mixed_list():
    payload = load_sample("commendation_decision")
    payload["entries"][0]["award"] = "bang_khen_bo_tinh"
    payload["entries"][3]["award"] = "chien_si_thi_dua_toan_quoc"
    first = _articles(payload)[0]
    assert first.startswith("Tặng Bằng khen cho 01 tập thể; Giấy khen cho 01 tập thể và 03 cá "
                            "nhân; danh hiệu “Chiến sĩ thi đua toàn quốc” cho 01 cá nhân (có "
                            "danh sách kèm theo), vì ")
    single = _articles(load_sample("commendation_decision"))[0]
    assert single.startswith("Tặng Giấy khen của Giám đốc Sở Giáo dục và Đào tạo cho 02 tập "
                             "thể và 04 cá nhân (có danh sách kèm theo)")


# ------------------------------------------------------------------ the directive

def test_the_theme_of_the_movement_has_its_own_field():
    payload = load_sample("directive")
    wanted = ("Bộ trưởng Bộ Khoa học và Công nghệ phát động phong trào thi đua năm 2027 với chủ "
              "đề: “Toàn Ngành Khoa học và Công nghệ đoàn kết, đổi mới, sáng tạo, thi đua thực "
              "hiện thắng lợi nhiệm vụ năm 2027”. Yêu cầu các cơ quan")
    for text in _texts("directive", payload):
        assert wanted in text


def _flat(payload: dict) -> dict:
    flat = copy.deepcopy(payload)
    flat["tasks"] = [item for s in flat["sections"] for item in s["items"]]
    flat["sections"] = []
    return flat


@pytest.mark.parametrize("shape", ["tasks", "one section"])
def test_no_lone_roman_numeral(shape):
    payload = load_sample("directive")
    if shape == "tasks":
        payload = _flat(payload)
    else:
        payload["sections"] = payload["sections"][:1]
    for text in _texts("directive", payload):
        assert not re.search(r"(^| )I\. ", text), text[:400]
        assert "1. Tiếp tục đề cao vai trò" in text
    if shape == "tasks":  # the tasks are numbered on through the sections they came from
        docx, _ = _texts("directive", payload)
        assert "4. Vụ Thi đua - Khen thưởng theo dõi" in docx


def test_sections_or_tasks_not_both_nor_neither():
    payload = load_sample("directive")
    both = _flat(payload)
    both["sections"] = payload["sections"]
    assert validation_problems(document_types()["directive"], both) == [
        ("/sections", "inconsistent")]
    neither = _flat(payload)
    neither["tasks"] = []
    assert validation_problems(document_types()["directive"], neither) == [
        ("/sections", "required")]


@pytest.mark.parametrize("closing_end", ["./.", "../.", ". ./.", "./. "])
def test_the_end_mark_the_clerk_typed_is_printed_once(closing_end):
    payload = load_sample("directive")
    payload["closing"] = payload["closing"].rstrip(".") + closing_end
    for text in _texts("directive", payload):
        assert text.count("./.") == 1
        assert "nghiêm túc thực hiện Chỉ thị này./." in text


@pytest.mark.parametrize(("type_id", "where"), [
    ("directive", ("preamble", 0)),
    ("directive", ("sections", 0, "items", 0, "text")),
    ("emulation_plan", ("opening", 0)),
    ("commendation_decision", ("reason",)),
])
def test_an_end_mark_inside_the_document_is_refused(type_id, where):
    payload = load_sample(type_id)
    target = payload
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = target[where[-1]].rstrip(".") + "./."
    pointer = "/" + "/".join(str(k) for k in where)
    assert validation_problems(document_types()[type_id], payload) == [(pointer, "end_mark")]


# ------------------------------------------------------------------ DOCX properties

@pytest.mark.parametrize("type_id", ["directive", "emulation_plan", "commendation_decision",
                                     "certificate"])
def test_docx_properties_describe_this_document(type_id):
    from service.rendering import validate
    from tests.support.documents import open_docx

    payload = load_sample(type_id)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    content = _render(type_id, payload, Format.DOCX)
    props = open_docx(content).core_properties
    author = payload["issuer"]["name"] if "issuer" in payload else payload["authority"]
    assert props.author == author
    doc_type = document_types()[type_id]
    assert props.title.startswith(doc_type.file_stem(validate(doc_type, payload)))
    if "summary" in payload:
        assert props.title.endswith(payload["summary"])
    for stamp in (props.created, props.modified):
        assert before - dt.timedelta(seconds=1) <= stamp.replace(tzinfo=dt.UTC)
        assert stamp.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert not [n for n in names if "thumbnail" in n.lower()]
        assert "thumbnail" not in archive.read("_rels/.rels").decode()
