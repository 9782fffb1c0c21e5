"""A database seeded before the clinical sources keeps its products but loses the back-pain condition, and
every seeded rule and exercise gets a full citation."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalogue.matching.models import Exercise, MatchingRule
from catalogue.models import Condition, Product

# serialized_rollback: the flush after this transactional test must not take the migrations' seed data.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("matching", "0004_consent"), ("catalogue", "0007_matching_models_to_matching_app")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_old_sources_are_cited_in_full_and_the_back_pain_condition_goes():
    old = migrate(BEFORE)
    try:
        # What a database seeded by the first version of the seed holds (migrating back keeps the rows).
        OldRule = old.get_model("matching", "MatchingRule")
        OldExercise = old.get_model("matching", "Exercise")
        OldRule.objects.update(source="shared/matching.md, Ranking 3")
        OldExercise.objects.update(source="The shop's foot-care articles (shared/matching.md, Exercises)")
        OldRule.objects.create(code="staff-own", when={"arch_type": ["flat"]}, attribute="kind",
                               preferred=["insole"], reason="Ready-made.", source="shared/matching.md")  # fmt: skip
        condition, _ = old.get_model("catalogue", "Condition").objects.get_or_create(
            slug="foot-related-back-pain", defaults={"name": "Foot-related back pain"}
        )
        category = old.get_model("catalogue", "Category").objects.create(slug="c", name="C")
        product = old.get_model("catalogue", "Product").objects.create(
            category=category, name="Back Saver", slug="back-saver"
        )
        product.conditions.add(condition)
        OldExercise.objects.get(slug="dead-bugs").conditions.add(condition)
    finally:
        migrate(latest())

    assert not Condition.objects.filter(slug="foot-related-back-pain").exists()
    assert Product.objects.get(slug="back-saver").conditions.count() == 0
    assert Exercise.objects.get(slug="dead-bugs").conditions.count() == 0
    assert MatchingRule.objects.get(code="flat-arch-support").source == (
        "Banwell HA et al. Foot orthoses for adults with flexible pes planus: a systematic review. "
        "J Foot Ankle Res 2014;7:23"
    )
    assert MatchingRule.objects.get(code="staff-own").source.startswith("Fit, not treatment")
    assert not MatchingRule.objects.filter(source__icontains="shared/").exists()
    assert not Exercise.objects.filter(source__icontains="shared/").exists()
    assert Exercise.objects.get(slug="supported-balance").contraindications == []
