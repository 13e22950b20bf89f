"""The registry refuses, at start-up, a document-type module that declares no type, a field a
declaration does not have, and a display order naming a type that does not exist (nothing is
skipped silently)."""

from __future__ import annotations

import pytest

import service.doctypes as doctypes
from service import registry


@pytest.fixture
def fresh_registry():
    registry.document_types.cache_clear()
    yield
    registry.document_types.cache_clear()


def test_the_shipped_types_register_in_display_order(fresh_registry):
    """The types ORDER names come first, in its order; a new type it does not name (yet)
    comes after them, so adding a type needs only new files."""
    found = list(registry.document_types())
    assert found[:len(doctypes.ORDER)] == list(doctypes.ORDER)
    assert sorted(found[len(doctypes.ORDER):]) == found[len(doctypes.ORDER):]


def test_a_module_without_document_type_is_refused(fresh_registry, tmp_path, monkeypatch):
    (tmp_path / "loai_khong_co_that.py").write_text("DOCUMENT_TYPES = None  # misspelt\n",
                                          encoding="utf-8")
    monkeypatch.setattr(doctypes, "__path__", [*doctypes.__path__, str(tmp_path)])
    with pytest.raises(registry.RegistryError,
                       match=r"loai_khong_co_that declares no DOCUMENT_TYPE"):
        registry.document_types()


def test_a_helper_module_starting_with_underscore_is_not_a_type(fresh_registry, tmp_path,
                                                                 monkeypatch):
    (tmp_path / "_helpers.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(doctypes, "__path__", [*doctypes.__path__, str(tmp_path)])
    assert "_helpers" not in registry.document_types()
    assert list(registry.document_types())[:len(doctypes.ORDER)] == list(doctypes.ORDER)


def test_an_unknown_id_in_the_display_order_is_refused(fresh_registry, monkeypatch):
    monkeypatch.setattr(doctypes, "ORDER", (*doctypes.ORDER, "loai_khong_co_that"))
    with pytest.raises(registry.RegistryError, match="loai_khong_co_that"):
        registry.document_types()


def test_the_api_shows_only_declared_public_options(client):
    """Hooks (render_chunk, finish_docx …) and test hints (not_printed) stay inside."""
    body = client.get("/api/v1/document-types/certificate").get_json()
    extras = set(body) - {"id", "title", "description", "formats", "schema", "example"}
    assert extras == {"batch_columns", "batch_example"}
    assert body["batch_example"]["items"]
    for type_id in ("directive", "emulation_plan", "commendation_decision"):
        body = client.get(f"/api/v1/document-types/{type_id}").get_json()
        assert set(body) == {"id", "title", "description", "formats", "schema", "example"}


def test_an_unknown_field_in_a_declaration_is_refused_naming_the_module(fresh_registry, tmp_path,
                                                                       monkeypatch):
    """A typo in a declaration (``batch_colums=``) is never ignored: the registry names the
    module and the field."""
    (tmp_path / "giay_xac_nhan.py").write_text(
        "from schemas.directive import DirectiveSchema\n"
        "from service.registry import DocumentType\n"
        "DOCUMENT_TYPE = DocumentType(id='giay_xac_nhan', title='x', description='x',\n"
        "    schema=DirectiveSchema, build_context=dict, file_stem=str,\n"
        "    batch_colums=('name',))\n", encoding="utf-8")
    monkeypatch.setattr(doctypes, "__path__", [*doctypes.__path__, str(tmp_path)])
    with pytest.raises(registry.RegistryError, match=r"giay_xac_nhan.*batch_colums"):
        registry.document_types()
