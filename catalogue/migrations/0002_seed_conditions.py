"""Seed the foot conditions the shop addresses (the taxonomy of the matching specification;
``foot-related-back-pain`` is removed again by ``matching`` 0005: no insole is sold for back pain)."""

from django.db import migrations

CONDITIONS = [
    (
        "plantar-fasciitis",
        "Plantar fasciitis",
        "Stabbing heel pain, worst with the first steps in the morning or after rest.",
    ),
    ("heel-spur", "Heel spur", "A bony growth under the heel bone, often found together with plantar fasciitis."),
    ("flat-feet", "Flat feet", "Low or collapsed arches; the foot often rolls inward (overpronation)."),
    ("high-arches", "High arches", "A high, rigid arch that absorbs shock poorly; the foot often rolls outward."),
    (
        "leg-length-discrepancy",
        "Leg-length difference",
        "One leg is shorter than the other, which can tilt the pelvis and strain the low back.",
    ),
    ("metatarsalgia", "Metatarsalgia", "Pain and burning under the ball of the foot."),
    (
        "foot-related-back-pain",
        "Foot-related back pain",
        "Low back pain that gets worse in unsupportive shoes and may start with foot mechanics.",
    ),
]


def seed(apps, schema_editor):
    Condition = apps.get_model("catalogue", "Condition")
    for slug, name, description in CONDITIONS:
        Condition.objects.update_or_create(slug=slug, defaults={"name": name, "short_description": description})


def unseed(apps, schema_editor):
    Condition = apps.get_model("catalogue", "Condition")
    Condition.objects.filter(slug__in=[slug for slug, _, _ in CONDITIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
