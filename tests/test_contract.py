"""Contract tests, parametrized over the registry: every document type's schema, templates,
sample and context agree, and both formats print the same text."""

from __future__ import annotations

import re
import zipfile

import jinja2.meta
import pytest

from service import registry
from service.registry import Format
from service.rendering import get_renderer, validate
from tests.conftest import ROOT, load_sample
from tests.support.documents import docx_lines, pdf_words_without_page_numbers, words

TYPES = list(registry.document_types())
TEMPLATES = ROOT / "doc_templates"


def _leaf_strings(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaf_strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaf_strings(v, (*path, i))
    elif isinstance(value, str):
        yield path, value


@pytest.fixture(scope="module")
def renderer():
    return get_renderer(TEMPLATES)


@pytest.fixture(scope="module")
def rendered(renderer):
    """``rendered(type_id)`` → {Format: bytes} of the type's sample, rendered once."""
    cache: dict[str, dict] = {}

    def get(type_id: str) -> dict:
        if type_id not in cache:
            doc_type = registry.get(type_id)
            data = validate(doc_type, load_sample(type_id))
            cache[type_id] = {fmt: renderer.render(doc_type, data, fmt).content
                              for fmt in doc_type.formats}
        return cache[type_id]

    return get


@pytest.mark.parametrize("type_id", TYPES)
def test_sample_is_valid(type_id):
    validate(registry.get(type_id), load_sample(type_id))


@pytest.mark.parametrize("type_id", TYPES)
def test_template_files_exist(type_id):
    doc_type = registry.get(type_id)
    if Format.DOCX in doc_type.formats:
        assert (TEMPLATES / "docx" / doc_type.docx_name).is_file()
    if Format.PDF in doc_type.formats:
        assert (TEMPLATES / "html" / doc_type.html_name).is_file()


def _html_variables(renderer, name: str) -> set[str]:
    env = renderer.pdf.env
    source = env.loader.get_source(env, name)[0]
    return set(jinja2.meta.find_undeclared_variables(env.parse(source)))


@pytest.mark.parametrize("type_id", TYPES)
def test_templates_read_exactly_the_context(type_id, renderer):
    """Template variables are exactly what the context (built from the schema) provides."""
    doc_type = registry.get(type_id)
    context = doc_type.build_context(validate(doc_type, load_sample(type_id)))
    keys = set(context)
    if Format.DOCX in doc_type.formats:
        assert renderer.docx.undeclared_variables(doc_type.docx_name) == keys
    if Format.PDF in doc_type.formats:
        assert _html_variables(renderer, doc_type.html_name) == keys


@pytest.mark.parametrize("type_id", TYPES)
def test_committed_docx_template_matches_its_builder(type_id, tmp_path):
    doc_type = registry.get(type_id)
    if doc_type.build_docx_template is None:
        pytest.skip("template is hand-made")
    built = tmp_path / doc_type.docx_name
    doc_type.build_docx_template(built)
    committed = TEMPLATES / "docx" / doc_type.docx_name
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(committed) as b:
        for part in ("word/document.xml", "word/styles.xml"):
            assert a.read(part) == b.read(part), (
                f"{committed.name}:{part} differs from its builder; run `make templates`")


def join_hyphen_breaks(found: list[str]) -> list[str]:
    """A line may end after the hyphen of ``NĐ-CP``: the PDF's text then holds ``NĐ-`` and
    ``CP`` as two words. Join them (a lone ``-`` is a dash between words and stays)."""
    out: list[str] = []
    for word in found:
        if out and out[-1].endswith("-") and out[-1] != "-":
            out[-1] += word
        else:
            out.append(word)
    return out


@pytest.mark.parametrize("type_id", TYPES)
def test_docx_and_pdf_carry_the_same_text(type_id, rendered):
    out = rendered(type_id)
    if set(out) != {Format.DOCX, Format.PDF}:
        pytest.skip("single format")
    docx_words = words(" ".join(docx_lines(out[Format.DOCX])))
    pdf_words = pdf_words_without_page_numbers(out[Format.PDF])
    assert join_hyphen_breaks(docx_words) == join_hyphen_breaks(pdf_words)


@pytest.mark.parametrize("type_id", TYPES)
def test_every_text_of_the_sample_reaches_both_outputs(type_id, rendered):
    """No payload text is dropped: each appears (as typed, or capitalised) in the output."""
    from service import vn

    sample = load_sample(type_id)
    ignored = registry.get(type_id).not_printed
    for fmt, content in rendered(type_id).items():
        text = " ".join(docx_lines(content)) if fmt is Format.DOCX else " ".join(
            pdf_words_without_page_numbers(content))
        flat = re.sub(r"\s+", " ", text)
        for path, value in _leaf_strings(sample):
            if path and path[-1] in ("abbreviation", "symbol_suffix", "date", *ignored):
                continue
            needle = re.sub(r"\s+", " ", vn.nfc(value)).strip().rstrip(".;")
            assert needle in flat or vn.upper_vn(needle) in flat, (fmt, path, needle[:60])


@pytest.mark.parametrize("type_id", TYPES)
def test_docx_properties_are_not_written_twice(type_id, rendered):
    """Word refuses a file whose table/paragraph/run properties repeat an element (schema:
    each appears once, in order); LibreOffice silently keeps one of them."""
    import io
    from collections import Counter

    from lxml import etree

    content = rendered(type_id).get(Format.DOCX)
    if content is None:
        pytest.skip("no DOCX for this type")
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for props in root.iter(f"{w}tblPr", f"{w}pPr", f"{w}rPr", f"{w}tcPr", f"{w}trPr",
                           f"{w}sectPr"):
        repeated = [tag for tag, n in Counter(child.tag for child in props).items()
                    if n > 1 and not tag.endswith("}headerReference")
                    and not tag.endswith("}footerReference")]
        assert not repeated, (props.tag, repeated)


def test_rendering_core_never_imports_flask():
    import ast

    for path in (ROOT / "service" / "rendering").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] in {"flask", "werkzeug", "flask_smorest"}
                           for n in names), path.name


def test_sample_files_and_registry_agree():
    on_disk = {p.stem for p in (ROOT / "samples").glob("*.json")}
    assert set(TYPES) <= on_disk


def test_bundled_font_covers_every_character_printed():
    """A glyph missing from the bundled font would fall back to a host font: fail instead."""
    import io as _io

    from fontTools.ttLib import TTFont

    from service.kit.layout import FONT_DIR, FONT_FILES

    alphabet = ("aăâbcdđeêghiklmnoôơpqrstuưvxy" "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
                "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
                "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
                "0123456789.,;:!?()[]/-–“”‘’\"'%&+*=<>{}_#@ ")
    texts = [alphabet]
    for type_id in TYPES:
        texts.extend(value for _, value in _leaf_strings(load_sample(type_id)))
    needed = {ch for text in texts for ch in text if not ch.isspace()}
    for file_name in FONT_FILES.values():
        cmap = TTFont(_io.BytesIO((FONT_DIR / file_name).read_bytes())).getBestCmap()
        missing = sorted(ch for ch in needed if ord(ch) not in cmap)
        assert not missing, f"{file_name} lacks {missing}"


HEADER_TYPES = [t for t in TYPES if "issuer" in registry.get(t).schema().fields
                and t != "certificate"]


def _attributes_read(source: str, name: str) -> set[str]:
    """``name.attr`` (and ``name['attr']``) read anywhere in a Jinja source."""
    return set(re.findall(rf"\b{name}\.(\w+)", source)) | set(
        re.findall(rf"\b{name}\[['\"](\w+)['\"]\]", source))


def _docx_xml(renderer, type_id: str) -> str:
    import io

    doc_type = registry.get(type_id)
    with zipfile.ZipFile(io.BytesIO(renderer.docx.template_bytes(doc_type.docx_name))) as z:
        return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode())


@pytest.mark.parametrize("type_id", HEADER_TYPES)
def test_header_and_signer_lines_come_from_the_context_in_both_templates(type_id, renderer):
    """Both templates print the header's and the signer's lines the context broke (so they
    break alike) and read no attribute of ``issuer`` that the context lacks."""
    doc_type = registry.get(type_id)
    context = doc_type.build_context(validate(doc_type, load_sample(type_id)))
    env = renderer.pdf.env
    html = env.loader.get_source(env, "_decree30.html")[0]
    docx_source = _docx_xml(renderer, type_id)
    for source in (html, docx_source):
        read = _attributes_read(source, "issuer")
        assert {"parent_lines", "name_lines"} <= read, read
        assert read <= set(context["issuer"]), read - set(context["issuer"])
        assert "signer_lines" in source
        assert "issuer.name|" not in source
        assert "issuer.parent|" not in source
    assert all(isinstance(line, str) and line for line in context["issuer"]["name_lines"])
