"""Where the engine finds its sampled inputs: integer columns compiled once per scenario.

The engine never builds or looks up input names while it runs. When a ``Network`` is built, every quantity it
reads (a milestone's duration, a risk's delay, a programme's amount, …) is resolved to a column of the sampled
matrix (:class:`sim.sampling.Inputs`) or, when the quantity is not uncertain, to a constant. At run time a
group of quantities is one fancy-indexing gather.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..distributions import Distribution, Fixed
from ..sampling import Inputs

NOT_SAMPLED = -1


@dataclass(frozen=True, eq=False)
class Columns:
    """A group of quantities: per quantity a column of the sampled matrix, or a constant.

    Attributes
    ----------
    index : numpy.ndarray
        ``(k,)`` column of each quantity, ``NOT_SAMPLED`` (−1) for a constant.
    constant : numpy.ndarray
        ``(k,)`` value of each constant quantity (ignored where ``index`` ≥ 0), in the quantity's unit.
    """

    index: np.ndarray
    constant: np.ndarray

    @classmethod
    def compile(cls, column_of: Mapping[str, int],
                entries: Iterable[tuple[str, Distribution | None, float]]) -> Columns:
        """Resolve ``(input name, distribution or None, default)`` entries once.

        A quantity whose name is a sampled input of the scenario (``column_of``: name → column; which
        quantities are inputs is decided in one place, :func:`sim.scenario.uncertain_inputs`) reads its column;
        any other is a constant: the value of a ``Fixed`` distribution, else ``default``.
        """
        index, constant = [], []
        for name, dist, default in entries:
            if name in column_of:
                index.append(column_of[name])
                constant.append(0.0)
            else:
                index.append(NOT_SAMPLED)
                constant.append(dist.value if isinstance(dist, Fixed) else default)
        return cls(np.array(index, dtype=np.intp), np.array(constant, dtype=float))

    def __len__(self) -> int:
        return len(self.index)

    def take(self, inputs: Inputs) -> np.ndarray:
        """Values ``(count, k)`` of the group for a batch of replications."""
        count = inputs.values.shape[0]
        out = np.empty((count, len(self.index)))
        sampled = self.index >= 0
        out[:, sampled] = inputs.values[:, self.index[sampled]]
        out[:, ~sampled] = self.constant[~sampled]
        return out

    def one(self, inputs: Inputs, k: int) -> np.ndarray:
        """Values ``(count,)`` of quantity ``k``."""
        j = self.index[k]
        return inputs.values[:, j] if j >= 0 else np.full(inputs.values.shape[0], self.constant[k])


def column_index(names: Iterable[str]) -> dict[str, int]:
    """Input name → column, for the names of a scenario's sampled inputs in sampling order."""
    return {name: j for j, name in enumerate(names)}
