"""Probability distributions as small immutable objects with ``ppf``, ``cdf``, ``mean`` and ``variance``.

Every random input of a scenario is one of these, evaluated by inverse transform: ``dist.ppf(u)`` turns
uniforms into values, so sampling strategies (plain, Latin hypercube, copulas) only ever act on uniforms.

- :mod:`sim.distributions.families`: the families (fixed, uniform, triangular, PERT, normal, lognormal,
  discrete, Bernoulli) and their conventions;
- :mod:`sim.distributions.spec`: building one from its tagged form in a scenario (:func:`from_spec`) and the
  one check of a plain number (:func:`plain`).
"""

from .families import Bernoulli, Discrete, Distribution, Fixed, LogNormal, Normal, Pert, Triangular, Uniform
from .spec import FAMILIES, MAX_MAGNITUDE, SpecError, from_spec, plain

__all__ = ["Bernoulli", "Discrete", "Distribution", "Fixed", "LogNormal", "Normal", "Pert", "Triangular", "Uniform",
           "FAMILIES", "MAX_MAGNITUDE", "SpecError", "from_spec", "plain"]
