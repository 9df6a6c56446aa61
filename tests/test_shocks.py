"""Shocks as pure functions Scenario → Scenario, and the loader applying a file's shocks with them."""

import dataclasses
import math

import pytest

import sim
from sim import names
from sim.distributions import Fixed, Uniform
from sim.scenario import Shock
from sim.shocks import (
    SWEEPS,
    WHOLE_RUN,
    milestone_ids,
    noted,
    select_lines,
    select_milestones,
    select_pools,
    with_capacity,
    with_cut,
    with_delay,
    with_freeze,
    with_risk,
    with_scale,
)

BASE = """\
title: Shocks
start: 2026-01-01
horizon: end-2028
funds:
  safe: {title: SAFE, envelope: 10, beneficiaries: {PL: 5, FR: 5}, source: x}
lines:
  shells: {title: Shells, capacity: 100, source: x}
milestones:
  a: {title: A, tags: [leg], duration: 3 months, deadline: 2026-Q4, source: x}
  b: {title: B, after: [a], tags: [leg, ind], duration: {uniform: {min: 1, max: 3}, unit: months}, deadline: end-2027,
     source: x, funding: {safe/PL: 2}}
  c: {title: C, after: [b], duration: 1 month, orders: {shells: 50}, source: x}
risks:
  r1: {title: R1, probability: 0.3, delay: 2 months, affects: {tags: [leg]}, source: x}
"""
SHOCKS = """\
shocks:
  - {delay: b, by: 6 months, source: s0}
  - {delay: {tags: [leg]}, by: {uniform: {min: 1, max: 2}, unit: months}, source: s1}
  - {scale: {tags: [ind]}, factor: 1.5, source: s2}
  - {risk: r1, occurs: true, source: s3}
  - {freeze: safe, from: 2026-06, to: 2026-12, source: s4}
  - {cut: safe/FR, share: 0.3, source: s5}
  - {capacity: shells, factor: 0.5, source: s6}
  - {capacity: shells, factor: 0.7, from: 2027-01, to: 2027-06, source: s7}
"""


@pytest.fixture
def base(write):
    return sim.load(write(BASE, "base.yaml"))


def test_the_loader_applies_a_file_s_shocks_with_the_shock_functions(write, base):
    shocked = sim.load(write(BASE + SHOCKS, "shocked.yaml"))
    month = 30.4375
    expected = with_delay(base, ["b"], 6 * month, name=names.shock(0))
    expected = with_delay(expected, ["a", "b"], Uniform(month, 2 * month), name=names.shock(1))
    expected = with_scale(expected, ["b"], 1.5)
    expected = with_risk(expected, "r1", occurs=True)
    expected = with_freeze(expected, ["safe/PL", "safe/FR"], (151.0, 365.0))
    expected = with_cut(expected, ["safe/FR"], 0.3)
    expected = with_capacity(expected, ["shells"], 0.5)
    expected = with_capacity(expected, ["shells"], 0.7, window=(365.0, 546.0))
    assert dataclasses.replace(shocked, shocks=(), path="", sha256="") == \
        dataclasses.replace(expected, shocks=(), path="", sha256="")
    assert [(s.kind, s.source) for s in shocked.shocks] == [
        ("delay", "s0"), ("delay", "s1"), ("scale", "s2"), ("risk", "s3"), ("freeze", "s4"), ("cut", "s5"),
        ("capacity", "s6"), ("capacity", "s7")]


def test_shock_functions_leave_their_argument_unchanged(base):
    before = dataclasses.replace(base)
    with_scale(with_risk(with_cut(base, ["safe/PL"], 0.5), "r1", False), ["a"], 2)
    assert base == before


def test_each_function_changes_what_it_says(base):
    assert with_delay(base, ["a"], 10).shifts[0].delay == Fixed(10.0)
    assert with_risk(base, "r1", occurs=False).risks[0].probability == 0.0
    assert dict(with_cut(base, ["safe/PL"], 0.5).funds[0].pools) == {"safe/PL": 0.25, "safe/FR": 0.5}
    assert with_freeze(base, ["safe/PL"], (1.0, 2.0)).freezes == (("safe/PL", 1.0, 2.0),)
    assert with_capacity(base, ["shells"], 0.5).capacity_factors == (("shells", 0.5, 0.0, math.inf),)
    assert WHOLE_RUN == (0.0, math.inf)
    assert noted(base, Shock("cut", "x")).shocks == (Shock("cut", "x"),)


def test_milestone_or_tag_to_ids_has_one_implementation(base):
    assert milestone_ids(base.milestones, ["c", "zz", "c"], ["leg"]) == ["c", "a", "b"]
    assert select_milestones(base, "b") == ["b"]
    assert select_milestones(base, "leg") == ["a", "b"]
    with pytest.raises(ValueError, match="did you mean 'leg'"):
        select_milestones(base, "legg")


def test_selecting_pools_and_lines(base):
    assert select_pools(base, "safe") == ["safe/PL", "safe/FR"]
    assert select_pools(base, "safe/FR") == ["safe/FR"]
    assert select_lines(base, "shells") == ["shells"]
    with pytest.raises(ValueError, match="not a production line"):
        select_lines(base, "shell")
    assert set(SWEEPS) == {"delay", "scale", "cut", "capacity"}
