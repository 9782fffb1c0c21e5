"""The hard filters over the memoised products, at their exact boundaries; pure, no database."""

from decimal import Decimal

import pytest

from catalogue.matching.scoring import (
    Candidate,
    RankableProduct,
    VariantOption,
    allowed_for,
    candidates_for,
    sold_out_for,
)


def rankable(slug, *variants, shoe_types=("athletic",), heel_lift_mm=0) -> RankableProduct:
    """A product whose variants are ``(sku, eu_min, eu_max, width, price)``, in the shop's order."""
    prices = [Decimal(price) for *_, price in variants]
    any_size = Candidate(product_id=len(slug), slug=slug, name=slug.title(), kind="insole",
                         price=min(prices, default=Decimal(0)), heel_lift_mm=heel_lift_mm)  # fmt: skip
    options = tuple(
        VariantOption(
            any_size,
            sku,
            f"EU {low}",
            None if low is None else Decimal(low),
            None if high is None else Decimal(high),
            width,
            Decimal(price),
        )  # fmt: skip
        for sku, low, high, width, price in variants
    )
    return RankableProduct(any_size=any_size, shoe_types=frozenset(shoe_types), variants=options)


BANDED = rankable(
    "banded",
    ("B-39", "39", "40.5", "regular", "30.00"),
    ("B-41", "41", "42.5", "regular", "32.00"),
    ("B-41W", "41", "42.5", "wide", "34.00"),
)
ONE_SIZE = rankable("one-size", ("ONE", None, None, "regular", "20.00"))
HALF_OPEN = rankable("half-open", ("HALF", "39", None, "regular", "20.00"))


def pick(*, products=(BANDED, ONE_SIZE, HALF_OPEN), size="41", shoe_type="athletic", lift=0, width=None):
    candidates = candidates_for(
        products=products,
        size_eu=None if size is None else Decimal(size),
        shoe_type=shoe_type,
        max_heel_lift_mm=lift,
        foot_width=width,
    )
    return [(c.slug, c.variant_sku, str(c.price)) for c in candidates]


@pytest.mark.parametrize(
    ("size", "expected"),
    [("38.5", None), ("39", "B-39"), ("40.5", "B-39"), ("41", "B-41"), ("42.5", "B-41"), ("43", None)],
)
def test_a_size_band_includes_both_ends(size, expected):
    found = {slug: sku for slug, sku, _ in pick(products=[BANDED], size=size)}
    assert found.get("banded") == expected


def test_one_size_fits_everyone_and_a_half_open_band_fits_no_one():
    """As in SQL: a band with one end missing never contains a size."""
    assert pick(products=[ONE_SIZE, HALF_OPEN], size="36") == [("one-size", "ONE", "20.00")]


def test_the_customers_width_comes_first_else_the_shops_order():
    assert pick(products=[BANDED], width="wide") == [("banded", "B-41W", "34.00")]
    assert pick(products=[BANDED], width="narrow") == [("banded", "B-41", "32.00")]
    assert pick(products=[BANDED]) == [("banded", "B-41", "32.00")]


def test_without_a_size_no_variant_is_named_and_the_price_is_the_lowest():
    assert pick(size=None) == [
        ("banded", None, "30.00"),
        ("one-size", None, "20.00"),
        ("half-open", None, "20.00"),
    ]


def test_shoe_type_and_heel_lift_limits():
    dress = rankable("dress", ("D", None, None, "regular", "10.00"), shoe_types=("dress",))
    lift_3 = rankable("lift-3", ("L3", None, None, "regular", "10.00"), heel_lift_mm=3)
    assert pick(products=[dress, lift_3], shoe_type="athletic", lift=2) == []
    assert pick(products=[dress, lift_3], shoe_type=None, lift=3) == [
        ("dress", "D", "10.00"),
        ("lift-3", "L3", "10.00"),
    ]


def test_a_variants_candidate_is_built_once_and_kept():
    variant = BANDED.variants[1]
    assert variant.candidate is variant.candidate
    assert (variant.candidate.variant_sku, variant.candidate.price) == ("B-41", Decimal("32.00"))
    assert variant.candidate.slug == "banded" and variant.product.variant_sku is None


def sold_out(*, products, size="41", width=None):
    found = sold_out_for(
        products=products,
        size_eu=None if size is None else Decimal(size),
        shoe_type="athletic",
        max_heel_lift_mm=0,
        foot_width=width,
    )
    return [(c.slug, c.variant_sku) for c in found]


def test_a_product_out_of_stock_in_the_size_is_sold_out_not_a_candidate():
    """In stock in another size only: sold out for this customer; in stock in the size: a candidate."""
    any_size = BANDED.any_size
    partly = RankableProduct(
        any_size=any_size,
        shoe_types=frozenset(["athletic"]),
        variants=(
            VariantOption(any_size, "P-39", "EU 39", Decimal(39), Decimal("40.5"), "regular", Decimal(30)),
            VariantOption(
                any_size, "P-41", "EU 41", Decimal(41), Decimal("42.5"), "regular", Decimal(30), False
            ),
        ),
    )
    assert pick(products=[partly], size="41") == []
    assert sold_out(products=[partly], size="41") == [("banded", "P-41")]
    assert pick(products=[partly], size="39") == [("banded", "P-39", "30")]
    assert sold_out(products=[partly], size="39") == []
    # With no size: sold out only when no size at all is in stock.
    assert sold_out(products=[partly], size=None) == []
    gone = RankableProduct(any_size=any_size, shoe_types=frozenset(["athletic"]),
                           variants=(partly.variants[1],))  # fmt: skip
    assert pick(products=[gone], size=None) == [] and sold_out(products=[gone], size=None) == [
        ("banded", None)
    ]


def test_product_cautions_keep_adult_and_rigid_products_from_children_and_numb_feet():
    from catalogue.matching.profile import FootProfile

    adult_rigid = Candidate(
        product_id=1, slug="adult-rigid", name="A", kind="insole", price=Decimal(1), rigidity="rigid"
    )
    adult_soft = Candidate(
        product_id=2, slug="adult-soft", name="B", kind="insole", price=Decimal(1), rigidity="soft"
    )
    junior = Candidate(product_id=3, slug="junior", name="C", kind="insole", price=Decimal(1), rigidity="semi_rigid",
                       suitable_for_children=True)  # fmt: skip
    every = [adult_rigid, adult_soft, junior]

    def allowed(*flags):
        return [c.slug for c in allowed_for(profile=FootProfile(flags=flags), candidates=every)]

    assert allowed() == ["adult-rigid", "adult-soft", "junior"]
    assert allowed("child") == ["junior"]
    assert allowed("reduced-sensation") == ["adult-soft", "junior"]
    assert allowed("diabetes") == ["adult-rigid", "adult-soft", "junior"]
