"""Words for inputs and observables in charts (sim.charts.phrasing): names are parsed by sim.names, labels become
phrases for sentences."""

from types import SimpleNamespace

import pytest

from sim import names
from sim.charts.phrasing import INPUT_WORDS, driver_phrase, name_phrase, observable_label, readable_label


@pytest.mark.parametrize(("name", "expected"), [
    (names.fund("edf", "envelope"), "Envelope: fund edf"),
    (names.funding("m1", "safe", "amount"), "Amount: funding m1 · safe"),
    (names.risk("crm", "capacity_cut"), "Capacity cut: risk crm"),
    (names.duration("edip"), "Duration: milestone edip"),
    (names.line("shells", "first_output"), "Time to first output: line shells"),
    (names.order("m1", "shells"), "Quantity: order m1 · shells"),
    (names.shock(2), "Delay: shock 2"),
    (names.indicator_weight("jp", "numerator", "safe.committed"), "Numerator weight of safe.committed: indicator jp"),
])
def test_bare_names_read_as_words(name, expected):
    assert readable_label(name) == expected


@pytest.mark.parametrize("label", ["Duration: EDIP adopted", "plain", "Envelope of SAFE loans"])
def test_labels_are_kept(label):
    assert readable_label(label) == label


def test_money_model_names_have_their_own_phrases():
    assert name_phrase(names.funding("m1", "safe", "amount"), 70) == "how much money ‘m1’ needs from safe"
    assert name_phrase(names.funding("m1", "safe", "lag"), 70) == "the payment lag of safe for ‘m1’"
    assert (name_phrase(names.indicator_weight("jp", "numerator", "safe.committed"), 70)
            == "the numerator weight of ‘safe.committed’ in ‘jp’")
    assert name_phrase(names.risk("x", "delay"), 70) is None


def test_driver_phrases():
    assert driver_phrase("Risk delay: CRM shock") == "how much ‘CRM shock’ delays things"
    assert driver_phrase("Risk timing: CRM shock") == "when ‘CRM shock’ happens"
    assert driver_phrase(names.risk("crm", "delay")) == "the delay of ‘risk crm’"
    assert driver_phrase(names.funding("m1", "safe", "lag")) == "the payment lag of safe for ‘m1’"
    assert driver_phrase("Something else entirely") == "Something else entirely"
    assert driver_phrase("Duration: " + "word " * 30, width=20).endswith("…’ takes")
    assert "Delay" in INPUT_WORDS.values()


def test_observable_label_prefers_the_scenario_then_the_run():
    run = SimpleNamespace(meta={"observables": {"safe.disbursed_share": "SAFE loans paid out"}})
    assert observable_label(run, "safe.disbursed_share") == "SAFE loans paid out"
    assert observable_label(run, "safe.committed_share") == "SAFE: share of the envelope committed"
    assert observable_label(SimpleNamespace(meta={}), "joint-procurement") == "Joint procurement"
