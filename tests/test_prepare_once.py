"""Layout fitting and reward computation run once per render, whichever adapter asks: the
type's prepare step computes them, validation reports what it finds, and the render reads
the prepared model instead of computing it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service import registry
from service.doctypes import _certificate_layout, _decision_rewards
from service.registry import Format
from service.rendering import get_renderer, render, validate

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "doc_templates"


def sample(type_id: str) -> dict:
    return json.loads((ROOT / "samples" / f"{type_id}.json").read_text(encoding="utf-8"))


@pytest.fixture
def layout_calls(monkeypatch):
    calls = []
    original = _certificate_layout.layout

    def counting(data):
        calls.append(data)
        return original(data)

    monkeypatch.setattr(_certificate_layout, "layout", counting)
    return calls


@pytest.fixture
def reward_calls(monkeypatch):
    """Calls of the decision's reward step and of the table's lookups."""
    from service import rewards

    calls: dict[str, list] = {"plan": [], "reward": []}
    table = rewards.current()
    original_plan, original_reward = _decision_rewards.plan, table.reward

    def plan(data):
        calls["plan"].append(data)
        return original_plan(data)

    def reward(*args):
        calls["reward"].append(args)
        return original_reward(*args)

    monkeypatch.setattr(_decision_rewards, "plan", plan)
    monkeypatch.setattr(table, "reward", reward)
    return calls


@pytest.mark.parametrize("fmt", [Format.PDF, Format.DOCX])
def test_the_core_render_lays_a_certificate_out_once(layout_calls, fmt):
    render(registry.require("certificate"), sample("certificate"), fmt, templates_dir=TEMPLATES)
    assert len(layout_calls) == 1


def test_validating_then_rendering_lays_out_once(layout_calls):
    cert = registry.require("certificate")
    prepared = validate(cert, sample("certificate"))
    get_renderer(TEMPLATES).render(cert, prepared, Format.DOCX)
    assert len(layout_calls) == 1


def test_the_api_lays_a_certificate_out_once(client, layout_calls):
    response = client.post("/api/v1/documents/certificate.docx", json=sample("certificate"))
    assert response.status_code == 200
    assert len(layout_calls) == 1


def test_a_decision_computes_its_rewards_once_per_render(client, reward_calls):
    payload = sample("commendation_decision")
    payload["compute_rewards"] = True
    for entry in payload["entries"]:
        entry.pop("amount", None)
    kinds = {(e.get("award") or payload.get("award"), e["kind"]) for e in payload["entries"]}
    response = client.post("/api/v1/documents/commendation_decision.pdf", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(reward_calls["plan"]) == 1
    assert len(reward_calls["reward"]) == len(kinds)  # one lookup per (award, kind)


def test_what_the_prepare_step_finds_is_reported_by_validation(layout_calls):
    """The sheet's fitting is checked in the prepare step, and its refusal is a validation
    error addressed like any other."""
    from service.core_errors import InvalidPayload

    cert = registry.require("certificate")
    payload = sample("certificate") | {"recipient_name": "W" * 120}
    with pytest.raises(InvalidPayload) as info:
        validate(cert, payload)
    assert [(e.pointer, e.code) for e in info.value.errors] == [
        ("/recipient_name", "too_long_for_sheet")]
    assert len(layout_calls) == 1
