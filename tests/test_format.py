"""The one formatting module: every number shown to a user is written by it."""

import doctest
import math

import pytest

from aipm_widgets.core.text import format as fmt


def test_docstring_examples_run():
    result = doctest.testmod(fmt)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("bad", [None, "x", math.nan, math.inf, -math.inf])
def test_missing_values_are_written_na(bad):
    for f in (fmt.percent, fmt.points, fmt.count, fmt.number, fmt.threshold):
        assert f(bad) == "n/a"
    assert fmt.money(bad, "USD") == "n/a"
    assert fmt.interval(bad, 0.5) == "no interval"


def test_money_keeps_sign_before_currency_and_no_code_without_currency():
    assert fmt.money(-1500, "CHF") == "-CHF 1,500"
    assert fmt.money(1500) == "1,500"


def test_points_are_not_percent():
    assert fmt.points(0.222) == "22.2 points"
    assert fmt.points(0.01) == "1.0 point"
