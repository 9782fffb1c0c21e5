"""Foot length <-> shoe sizes (``docs/matching.md``, Sizes); the constants are settings.

All arithmetic is in ``Decimal`` so that the spec's examples (254.0 mm -> US men 8) are exact and
never 8.5 because of a binary rounding error.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.conf import settings

SIZE_SYSTEMS = ("eu", "uk", "us_men", "us_women")
MM_PER_INCH = Decimal("25.4")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class SizeSet:
    foot_length_mm: Decimal
    eu: Decimal
    uk: Decimal
    us_men: Decimal
    us_women: Decimal
    mondopoint: int

    def as_dict(self) -> dict:
        return {
            "foot_length_mm": float(self.foot_length_mm),
            "eu": float(self.eu),
            "uk": float(self.uk),
            "us_men": float(self.us_men),
            "us_women": float(self.us_women),
            "mondopoint": self.mondopoint,
        }


def _setting(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name)))


def round_up_to_step(value: Decimal, *, step: Decimal | None = None) -> Decimal:
    """Round up to the next size step (half sizes by default); exact steps stay as they are."""
    step = step if step is not None else _setting("MATCHING_SIZE_STEP")
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def _raw_sizes(foot_length_mm: Decimal) -> dict[str, Decimal]:
    us_men = _setting("MATCHING_SIZE_US_MEN_PER_INCH") * foot_length_mm / MM_PER_INCH - _setting(
        "MATCHING_SIZE_US_MEN_OFFSET"
    )
    return {
        "us_men": us_men,
        "uk": us_men + _setting("MATCHING_SIZE_UK_FROM_US_MEN"),
        "us_women": us_men + _setting("MATCHING_SIZE_US_WOMEN_FROM_US_MEN"),
        "eu": _setting("MATCHING_SIZE_EU_FACTOR")
        * (foot_length_mm / 10 + _setting("MATCHING_SIZE_EU_ALLOWANCE_CM")),
    }


def sizes_for_length(*, foot_length_mm: Decimal) -> SizeSet:
    """Return the customer's size in every system for a foot length, each rounded up to a half size."""
    length = Decimal(foot_length_mm)
    raw = _raw_sizes(length)
    return SizeSet(
        foot_length_mm=length.quantize(TENTH, rounding=ROUND_HALF_UP),
        eu=round_up_to_step(raw["eu"]),
        uk=round_up_to_step(raw["uk"]),
        us_men=round_up_to_step(raw["us_men"]),
        us_women=round_up_to_step(raw["us_women"]),
        mondopoint=int(length.to_integral_value(rounding=ROUND_HALF_UP)),
    )


def length_for_size(*, size: Decimal, system: str) -> Decimal:
    """Return the longest foot (to 0.1 mm) that takes this size, so that converting back gives it again."""
    size = Decimal(size)
    if system not in SIZE_SYSTEMS:
        raise ValueError(f"Unknown size system {system!r}.")
    if system == "eu":
        length = (size / _setting("MATCHING_SIZE_EU_FACTOR") - _setting("MATCHING_SIZE_EU_ALLOWANCE_CM")) * 10
    else:
        us_men = {
            "us_men": size,
            "uk": size - _setting("MATCHING_SIZE_UK_FROM_US_MEN"),
            "us_women": size - _setting("MATCHING_SIZE_US_WOMEN_FROM_US_MEN"),
        }[system]
        length = (
            (us_men + _setting("MATCHING_SIZE_US_MEN_OFFSET"))
            * MM_PER_INCH
            / _setting("MATCHING_SIZE_US_MEN_PER_INCH")
        )
    # Rounding down keeps the length inside the size's half-size band (a band is > 3 mm long).
    return length.quantize(TENTH, rounding=ROUND_FLOOR)
