"""Text placement on an S-curve (sim.charts.layout.Room): boxes stay clear of the curve, the deadline line, the
axes' edges and each other."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.charts.layout import Room


@pytest.fixture
def room():
    ax = Figure(figsize=(10, 5)).add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)
    # A step curve: 0 until x = 5, then 0.5 until x = 8, then 1.
    return Room(ax, np.array([0.0, 5.0, 8.0, 10.0]), np.array([0.0, 0.5, 1.0, 1.0]), deadline_x=None,
                outside_legend=False)


def test_fractions_and_curve(room):
    assert room.fx(5.0) == pytest.approx(0.5)
    assert room.fy(0.25) == pytest.approx(0.25)
    assert room.curve(0.2) == 0.0
    assert room.curve(0.6) == pytest.approx(0.5)
    assert room.curve(0.9) == pytest.approx(1.0)


def test_a_box_is_clear_above_left_or_below_right_of_the_curve(room):
    assert room.clear(0.05, 0.6, 0.3, 0.8)  # above-left: the curve is still 0 at the box's right edge
    assert room.clear(0.55, 0.05, 0.75, 0.3)  # below-right: the curve is 0.5 at the box's left edge
    assert not room.clear(0.4, 0.3, 0.6, 0.7)  # across the step at x = 5
    assert not room.clear(-0.1, 0.6, 0.2, 0.8)  # outside the axes


def test_taken_space_and_the_deadline_line_are_avoided():
    ax = Figure(figsize=(10, 5)).add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)
    room = Room(ax, np.array([0.0, 10.0]), np.array([0.0, 0.0]), deadline_x=2.0, outside_legend=True)
    assert not room.clear(0.1, 0.5, 0.3, 0.7)  # the deadline line at 0.2 runs through it
    assert room.clear(0.4, 0.5, 0.6, 0.7)
    room.take((0.45, 0.55, 0.55, 0.65))
    assert not room.clear(0.4, 0.5, 0.6, 0.7)
    room.take_marker(9.0, 0.9)
    assert room.taken[-1] == pytest.approx((0.87, 0.93, 0.87, 0.93))


def test_legend_corner_is_reserved_and_note_spot_is_clear(room):
    corner = room.legend_corner(["Share done", "Deadline"], fontsize=8)
    assert corner == "upper left"  # clear of the curve, which is 0 on the left
    assert len(room.taken) == 1
    spot = room.note_spot((8.0, 1.0), "90 % chance", fontsize=10)
    assert spot is not None
    w, h = room.size(["90 % chance"], 10)
    assert room.clear(spot[0], spot[1], spot[0] + w, spot[1] + h)


def test_size_grows_with_text(room):
    w1, h1 = room.size(["short"], 10)
    w2, h2 = room.size(["a much longer line of text", "and a second line"], 10)
    assert w2 > w1
    assert h2 > h1
