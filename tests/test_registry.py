"""The registry refuses, at start-up, a document-type module that declares no type and a
display order naming a type that does not exist (nothing is skipped silently)."""

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
    assert list(registry.document_types()) == list(doctypes.ORDER)


def test_a_module_without_document_type_is_refused(fresh_registry, tmp_path, monkeypatch):
    (tmp_path / "giay_moi.py").write_text("DOCUMENT_TYPES = None  # misspelt\n",
                                          encoding="utf-8")
    monkeypatch.setattr(doctypes, "__path__", [*doctypes.__path__, str(tmp_path)])
    with pytest.raises(registry.RegistryError, match=r"giay_moi declares no DOCUMENT_TYPE"):
        registry.document_types()


def test_a_helper_module_starting_with_underscore_is_not_a_type(fresh_registry, tmp_path,
                                                                 monkeypatch):
    (tmp_path / "_helpers.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(doctypes, "__path__", [*doctypes.__path__, str(tmp_path)])
    assert list(registry.document_types()) == list(doctypes.ORDER)


def test_an_unknown_id_in_the_display_order_is_refused(fresh_registry, monkeypatch):
    monkeypatch.setattr(doctypes, "ORDER", (*doctypes.ORDER, "giay_moi"))
    with pytest.raises(registry.RegistryError, match="giay_moi"):
        registry.document_types()
