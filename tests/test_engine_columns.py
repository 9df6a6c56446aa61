"""The engine's compiled input columns read exactly the quantities the sampler drew, by integer index."""

import numpy as np
import pytest

from sim import names
from sim.distributions import Fixed, Uniform
from sim.engine.columns import NOT_SAMPLED, Columns, column_index
from sim.engine.network import Network
from sim.load import load
from sim.sampling import Inputs, sample


def test_compile_resolves_sampled_names_to_columns_and_the_rest_to_constants():
    column = column_index(["a", "b", "c"])
    cols = Columns.compile(column, [("b", Uniform(0, 1), 0.0), ("x", Fixed(7.0), 0.0), ("y", None, 3.0), ("a", None, 0.0)])
    assert cols.index.tolist() == [1, NOT_SAMPLED, NOT_SAMPLED, 0]
    values = np.arange(12.0).reshape(4, 3)
    taken = cols.take(Inputs(("a", "b", "c"), values, 0))
    expected = np.column_stack([values[:, 1], np.full(4, 7.0), np.full(4, 3.0), values[:, 0]])
    assert np.array_equal(taken, expected)
    assert np.array_equal(cols.one(Inputs(("a", "b", "c"), values, 0), 2), np.full(4, 3.0))


def test_network_columns_match_lookups_by_name(root):
    scenario = load(root / "scenarios" / "baseline.yaml")
    net = Network.of(scenario)
    inputs = sample(scenario, 11, 0, 50)
    assert net.input_names == inputs.names
    occurs, delay, _ = net.risk_columns(inputs)
    for r, risk in enumerate(scenario.risks):
        assert np.array_equal(occurs[:, r], inputs.column(names.risk(risk.id, "occurs")))
        assert np.array_equal(delay[:, r], inputs.column(names.risk(risk.id, "delay")))
    durations = net.durations.take(inputs)
    for i, m in enumerate(scenario.milestones):
        name = names.duration(m.id)
        if name in inputs.names:
            assert np.array_equal(durations[:, i], inputs.column(name))


def test_inputs_of_another_scenario_are_refused(root):
    baseline = load(root / "scenarios" / "baseline.yaml")
    net = Network.of(baseline)
    inputs = sample(baseline, 1, 0, 5)
    with pytest.raises(ValueError, match="not sampled for this network"):
        net.check_inputs(Inputs(inputs.names[::-1], inputs.values, 0))
