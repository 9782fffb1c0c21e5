"""Matching rules and exercises are cached, and a staff edit takes effect on the very next assessment."""

import pytest

from catalogue.matching.models import Exercise, MatchingRule
from tests.matching.test_api import ASSESSMENTS, FLAT_BACK_PAIN

pytestmark = pytest.mark.django_db


def assess(client) -> dict:
    response = client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_repeated_assessment_reads_rules_and_exercises_from_the_cache(
    api_client,
    catalogue_products,
    settings,
    django_assert_max_num_queries,
):
    """Warm: candidate products, their fitting variants and the insert; nothing else."""
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    assess(api_client)
    with django_assert_max_num_queries(3):
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
