"""The assumption register's pure helpers: distributions as short text, and the basis of a source."""

import pytest

from sim.assumptions import basis, describe
from sim.distributions import Uniform


@pytest.mark.parametrize(("source", "expected"), [
    ("docs/sources/roadmap.md, p. 3", "document"),
    ("assumption: expert view", "assumption"),
    ("Roadmap text; assumption for the ramp", "document + assumption"),
    ("", "none"),
])
def test_basis_of_a_source(source, expected):
    assert basis(source) == expected


def test_describe_shows_days_in_months():
    month = 365.25 / 12
    assert describe(Uniform(month, 3 * month), days=True) == "uniform(1, 3) months"
    assert describe(Uniform(0.8, 1.4)) == "uniform(0.8, 1.4)"
