"""The matching catalogue (rankable products, rules, exercises) is memoised per catalogue version.

A staff edit, or a variant selling out, takes effect on the very next assessment.
"""

import time
from types import SimpleNamespace

import pytest

from catalogue import cache as catalogue_cache
from catalogue.cache import catalogue_changed, catalogue_memoised, catalogue_stock_changed
from catalogue.matching.models import Exercise, MatchingRule
from catalogue.models import ProductVariant
from tests.matching.test_api import ASSESSMENTS, FLAT_BACK_PAIN

pytestmark = pytest.mark.django_db


def assess(client) -> dict:
    response = client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_repeated_assessment_reads_products_rules_and_exercises_from_the_memo(
    api_client,
    catalogue_products,
    settings,
    django_assert_num_queries,
):
    """Warm: the segment's outcomes and the insert; nothing else (``test_query_counts`` pins the cold case)."""
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    assess(api_client)
    with django_assert_num_queries(2):
        assess(api_client)


def test_editing_a_rule_changes_the_next_ranking_and_reasons(api_client, catalogue_products, settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    before = assess(api_client)
    rule = next(r for r in MatchingRule.objects.all() if r.reason in before["recommendations"][0]["reasons"])
    rule.reason = "Staff reworded this reason."
    rule.save()
    after = assess(api_client)
    assert "Staff reworded this reason." in after["recommendations"][0]["reasons"]


def test_switching_an_exercise_off_removes_it_at_once(api_client, catalogue_products, settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    first = assess(api_client)["exercises"][0]
    exercise = Exercise.objects.get(name=first["name"])
    exercise.is_active = False
    exercise.save()
    assert first["name"] not in [e["name"] for e in assess(api_client)["exercises"]]


def test_unlinking_an_exercise_from_a_condition_takes_effect(api_client, catalogue_products, settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    first = assess(api_client)["exercises"][0]
    exercise = Exercise.objects.get(name=first["name"])
    exercise.conditions.clear()
    assert first["name"] not in [e["name"] for e in assess(api_client)["exercises"]]


def test_a_variant_selling_out_drops_the_product_from_the_next_assessment(
    api_client, catalogue_products, settings
):
    """Checkout takes stock with ``update()`` and reports it; the memoised products follow at once."""
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    first = assess(api_client)["recommendations"][0]
    variant = ProductVariant.objects.get(sku=first["variant"]["sku"])
    ProductVariant.objects.filter(pk=variant.pk).update(stock=0)
    catalogue_stock_changed(levels=[(variant.stock, 0)])
    assert first["product"]["slug"] not in [
        r["product"]["slug"] for r in assess(api_client)["recommendations"]
    ]


def test_a_price_edit_shows_in_the_next_assessment(api_client, catalogue_products, settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    first = assess(api_client)["recommendations"][0]
    variant = ProductVariant.objects.get(sku=first["variant"]["sku"])
    variant.price = "44.00"
    variant.save()
    again = assess(api_client)["recommendations"]
    assert (
        next(r for r in again if r["product"]["slug"] == first["product"]["slug"])["product"]["price"]
        == "44.00"
    )


class Builds:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return ("built", self.count)


def test_the_in_process_memo_is_built_once_per_catalogue_version(settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    build = Builds()
    first = catalogue_memoised("test-memo", build)
    assert catalogue_memoised("test-memo", build) is first and build.count == 1
    catalogue_changed()
    assert catalogue_memoised("test-memo", build) == ("built", 2)


def test_the_in_process_memo_expires_like_the_shared_one(settings, monkeypatch):
    """An invalidation that was missed (a raw ``update()``) is outlived by at most the cache timeout."""
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    build = Builds()
    catalogue_memoised("test-memo", build)
    later = time.monotonic() + 301
    monkeypatch.setattr(catalogue_cache, "time", SimpleNamespace(monotonic=lambda: later))
    assert catalogue_memoised("test-memo", build) == ("built", 2)


def test_the_in_process_memo_builds_every_time_with_the_cache_off_or_down(settings, monkeypatch):
    settings.CATALOGUE_CACHE_TIMEOUT = 0
    build = Builds()
    catalogue_memoised("test-memo", build)
    catalogue_memoised("test-memo", build)
    assert build.count == 2

    settings.CATALOGUE_CACHE_TIMEOUT = 300

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(catalogue_cache, "cache", SimpleNamespace(get=down, add=down))
    catalogue_memoised("test-memo", build)
    catalogue_memoised("test-memo", build)
    assert build.count == 4
