"""Seed the matching rules and exercises from the matching specification; staff tune them in the admin.

Their sources are replaced by full citations in ``matching`` 0005.
"""

from django.db import migrations

SPEC = "Matching specification, Ranking 3"
FLAT = {"arch_type": ["flat"], "pronation": ["over"]}
HIGH = {"arch_type": ["high"], "pronation": ["under"]}
HEEL = {"conditions": ["plantar-fasciitis", "heel-spur"]}
DRESS = {"shoe_type": ["dress", "high_heel"]}

# code, when, attribute, preferred, weight, contraindication, reason, source
RULES = [
    ("flat-arch-support", FLAT, "arch_support", ["high"], 3, False,
     "High arch support holds up a low arch and helps stop the foot rolling inward.",
     f"{SPEC}: flat feet / overpronation -> arch support high"),
    ("flat-rigidity", FLAT, "rigidity", ["semi_rigid", "rigid"], 2, False,
     "A semi-rigid or rigid shell keeps its shape under a low arch.",
     f"{SPEC}: flat feet / overpronation -> semi-rigid or rigid"),
    ("flat-heel-cup", FLAT, "heel_cup", ["deep"], 2, False,
     "A deep heel cup steadies the heel so the foot rolls in less.",
     f"{SPEC}: flat feet / overpronation -> deep heel cup"),
    ("flat-medial-posting", FLAT, "posting", ["medial"], 1, False,
     "Medial posting gently resists the foot rolling inward.",
     f"{SPEC}: flat feet / overpronation -> medial posting welcome"),
    ("high-arch-fill", HIGH, "arch_support", ["high"], 3, False,
     "Full-contact arch fill spreads pressure along a high arch instead of only the heel and ball.",
     f"{SPEC}: high arches / supination -> full-contact arch fill"),
    ("high-cushioning", HIGH, "cushioning", ["high"], 3, False,
     "High cushioning absorbs the shock that a high, rigid arch passes on.",
     f"{SPEC}: high arches / supination -> high cushioning"),
    ("high-no-medial-posting", HIGH, "posting", ["medial"], 4, True,
     "Medial posting tilts the foot outward, which a foot that already rolls outward does not need.",
     f"{SPEC}: high arches / supination -> medial posting is contraindicated"),
    ("heel-pain-heel-cup", HEEL, "heel_cup", ["deep"], 3, False,
     "A deep heel cup cradles and cushions the heel.",
     f"{SPEC}: plantar fasciitis / heel spur -> deep heel cup"),
    ("heel-pain-cushioning", HEEL, "cushioning", ["medium", "high"], 2, False,
     "Cushioning under the heel softens each step.",
     f"{SPEC}: plantar fasciitis / heel spur -> cushioning >= medium"),
    ("heel-pain-arch-support", HEEL, "arch_support", ["medium", "high"], 2, False,
     "Arch support takes some of the strain off the plantar fascia.",
     f"{SPEC}: plantar fasciitis / heel spur -> arch support >= medium"),
    ("heel-pain-prefabricated", HEEL, "kind", ["insole"], 1, False,
     "A ready-made insole is the usual first step for heel pain.",
     f"{SPEC}: plantar fasciitis / heel spur -> prefabricated first (NICE CKS plantar fasciitis)"),
    ("leg-length-heel-lift", {"conditions": ["leg-length-discrepancy"]}, "heel_lift_mm", [], 4, False,
     "A heel lift of about {heel_lift_mm} mm under the {short_side} heel evens out part of the difference.",
     f"{SPEC}: leg-length discrepancy -> heel lift on the short side, about 60-70 % of the difference"),
    ("ball-of-foot-met-pad", {"conditions": ["metatarsalgia"]}, "met_pad", [True], 3, False,
     "A metatarsal pad lifts the bones behind the ball of the foot and takes pressure off it.",
     f"{SPEC}: metatarsalgia / ball-of-foot pain -> metatarsal pad"),
    ("dress-length", DRESS, "length", ["three_quarter"], 2, False,
     "A slim 3/4 length fits dress shoes without crowding the toes.",
     f"{SPEC}: shoe type -> length (slim 3/4 insoles for dress shoes)"),
    ("dress-volume", DRESS, "volume", ["low"], 2, False,
     "A low-volume insole leaves room for your foot in a slim shoe.",
     f"{SPEC}: shoe type -> volume (slim 3/4 insoles for dress shoes)"),
    ("roomy-volume", {"shoe_type": ["work_boot"], "activity": ["hiking"]}, "volume", ["high"], 1, False,
     "A high-volume insole fills a roomy boot.",
     f"{SPEC}: activity and shoe type -> matching volume"),
    ("sports-length", {"shoe_type": ["athletic", "casual", "work_boot"]}, "length", ["full"], 1, False,
     "A full-length insole replaces the shoe's own insole.",
     f"{SPEC}: activity and shoe type -> matching length"),
    ("activity-match", {"activity": ["walking", "running", "standing_work", "hiking", "everyday"]},
     "activities", [], 1, False,
     "Made for {activity}.",
     f"{SPEC}: activity and shoe type"),
    ("impact-cushioning", {"activity": ["running", "standing_work"]}, "cushioning", ["high"], 1, False,
     "Extra cushioning helps on long runs and long days on your feet.",
     f"{SPEC}: activity -> cushioning"),
]  # fmt: skip

ARTICLES = "The shop's foot-care articles"
# slug, name, instructions, conditions
EXERCISES = [
    ("toe-curls-and-spreads", "Toe curls and spreads",
     "Sitting with your feet flat, curl your toes down, then spread them as wide as you can. "
     "10-15 times per foot.", ["flat-feet", "metatarsalgia"]),
    ("towel-scrunch", "Towel scrunch",
     "Put a towel flat under your foot and pull it towards you by scrunching your toes. Do it for a minute "
     "per foot.", ["flat-feet", "plantar-fasciitis"]),
    ("short-foot", "Short-foot exercise",
     "Standing, draw the ball of your foot towards your heel without curling the toes, so the arch rises. "
     "Hold 5 seconds, 10 times per foot.", ["flat-feet", "foot-related-back-pain"]),
    ("big-toe-presses", "Big-toe presses",
     "Press your big toe into the floor while lifting the other four, then swap. 10 times per foot.",
     ["flat-feet", "metatarsalgia"]),
    ("arch-roll", "Arch roll",
     "Roll the arch of your foot over a tennis ball or a frozen water bottle, 30 seconds per foot, "
     "pressing only as hard as feels comfortable.", ["plantar-fasciitis", "heel-spur", "high-arches"]),
    ("heel-raises", "Heel raises",
     "Rise onto your toes, hold 3-5 seconds, lower slowly. 15 repetitions; hold a wall for balance.",
     ["flat-feet", "plantar-fasciitis"]),
    ("calf-achilles-stretch", "Calf and Achilles stretch",
     "Hands on a wall, one foot back with the heel down and the knee straight; lean in until you feel the "
     "calf stretch. Hold 30 seconds, then bend the back knee a little and hold again. Both legs.",
     ["plantar-fasciitis", "heel-spur", "high-arches"]),
    ("tibialis-raises", "Tibialis raises",
     "Lean your back against a wall with your heels a foot in front of you and lift your toes and forefoot "
     "towards your shins. 15 repetitions.", ["flat-feet"]),
    ("ankle-circles", "Ankle circles",
     "Sitting, lift one foot and draw slow circles with it, 10 each way per foot.", ["high-arches"]),
    ("hip-bridges", "Hip bridges",
     "Lying on your back with your knees bent, lift your hips until your body is straight from shoulders "
     "to knees. Hold 3 seconds, 10-15 times.", ["foot-related-back-pain", "leg-length-discrepancy"]),
    ("dead-bugs", "Dead bugs",
     "Lying on your back, arms up and knees bent over your hips, slowly lower the opposite arm and leg "
     "while keeping your low back on the floor. 8-10 per side.", ["foot-related-back-pain"]),
    ("single-leg-balance", "Single-leg balance",
     "Stand on one foot near a wall for up to 30 seconds, three times per foot. Make it harder by closing "
     "your eyes.", ["high-arches", "flat-feet"]),
]  # fmt: skip


def seed(apps, schema_editor):
    MatchingRule = apps.get_model("catalogue", "MatchingRule")
    Exercise = apps.get_model("catalogue", "Exercise")
    Condition = apps.get_model("catalogue", "Condition")
    for position, (code, when, attribute, preferred, weight, contra, reason, source) in enumerate(RULES):
        MatchingRule.objects.update_or_create(
            code=code,
            defaults=dict(when=when, attribute=attribute, preferred=preferred, weight=weight,
                          contraindication=contra, reason=reason, source=source, position=position),
        )  # fmt: skip
    conditions = {condition.slug: condition for condition in Condition.objects.all()}
    for position, (slug, name, instructions, slugs) in enumerate(EXERCISES):
        exercise, _ = Exercise.objects.update_or_create(
            slug=slug,
            defaults=dict(name=name, instructions=instructions, source=ARTICLES, position=position),
        )
        exercise.conditions.set([conditions[s] for s in slugs if s in conditions])


def unseed(apps, schema_editor):
    apps.get_model("catalogue", "MatchingRule").objects.filter(code__in=[rule[0] for rule in RULES]).delete()
    apps.get_model("catalogue", "Exercise").objects.filter(slug__in=[e[0] for e in EXERCISES]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_matching")]
    operations = [migrations.RunPython(seed, unseed)]
