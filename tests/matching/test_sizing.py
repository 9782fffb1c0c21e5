"""Sizes from foot length and back (docs/matching.md, Sizes); pure, no database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue.matching.sizing import SIZE_SYSTEMS, length_for_size, round_up_to_step, sizes_for_length


@pytest.mark.parametrize(
    ("length", "us_men", "uk", "us_women", "eu", "mondopoint"),
    [
        ("254.0", "8", "7", "9.5", "40.5", 254),
        ("279.4", "11", "10", "12.5", "44.5", 279),
    ],
)
def test_spec_examples(length, us_men, uk, us_women, eu, mondopoint):
    """The examples of docs/matching.md come out exactly (no binary rounding pushes 8.0 to 8.5)."""
    sizes = sizes_for_length(foot_length_mm=Decimal(length))
    assert (sizes.us_men, sizes.uk, sizes.us_women, sizes.eu) == tuple(
        Decimal(x) for x in (us_men, uk, us_women, eu)
    )
    assert sizes.mondopoint == mondopoint
    assert sizes.as_dict()["eu"] == float(eu)


def test_rounding_goes_up_to_the_next_half_size():
    """40.35 becomes 40.5; an exact half size stays; just above one goes to the next."""
    assert round_up_to_step(Decimal("40.35"), step=Decimal("0.5")) == Decimal("40.5")
    assert round_up_to_step(Decimal("40.5"), step=Decimal("0.5")) == Decimal("40.5")
    assert round_up_to_step(Decimal("40.51"), step=Decimal("0.5")) == Decimal("41.0")


def _half_sizes(system: str) -> list[Decimal]:
    low = sizes_for_length(foot_length_mm=Decimal(150))
    high = sizes_for_length(foot_length_mm=Decimal(350))
    start, stop = getattr(low, system), getattr(high, system)
    return [start + Decimal("0.5") * i for i in range(int((stop - start) * 2) + 1)]


@pytest.mark.parametrize("system", SIZE_SYSTEMS)
def test_every_half_size_round_trips(system):
    """size -> foot length -> size gives the same size, in every system, over the whole range."""
    for size in _half_sizes(system):
        length = length_for_size(size=size, system=system)
        assert getattr(sizes_for_length(foot_length_mm=length), system) == size, (system, size, length)


@given(
    st.integers(min_value=1500, max_value=3500),
    st.integers(min_value=0, max_value=2000),
)
def test_sizes_never_shrink_as_the_foot_grows(tenths, extra):
    """A longer foot never gets a smaller size in any system (monotonicity)."""
    shorter = sizes_for_length(foot_length_mm=Decimal(tenths) / 10)
    longer = sizes_for_length(foot_length_mm=Decimal(min(tenths + extra, 3500)) / 10)
    for system in (*SIZE_SYSTEMS, "mondopoint"):
        assert getattr(shorter, system) <= getattr(longer, system)


@given(st.integers(min_value=1500, max_value=3500), st.sampled_from(SIZE_SYSTEMS))
def test_size_length_is_the_longest_foot_of_that_size(tenths, system):
    """A foot never exceeds the length given back for its own size, and is within one half size of it."""
    length = Decimal(tenths) / 10
    size = getattr(sizes_for_length(foot_length_mm=length), system)
    longest = length_for_size(size=size, system=system)
    assert length <= longest
    assert getattr(sizes_for_length(foot_length_mm=longest + Decimal("0.1")), system) == size + Decimal("0.5")


def test_unknown_system_is_refused():
    with pytest.raises(ValueError):
        length_for_size(size=Decimal(8), system="mondo")
