
"""Exercises gain the profile flags they serve, their contraindications and a caution; assessments keep
their outcome (advice, accessories, comfort products, sold-out best fits).

Data: every seeded rule and exercise gets its full citation (guideline or paper) in ``source``; the
rules and exercises are brought to the current set (partial-match wording aside, which is code); the
``foot-related-back-pain`` condition goes, with its links to products and exercises: no insole is sold
for back pain (NICE NG59 advises against insoles for low back pain).
"""

from django.db import migrations, models

FITTING = "Fit, not treatment: the shop's fitting guide (no clinical guideline covers this choice)"
BANWELL = ("Banwell HA et al. Foot orthoses for adults with flexible pes planus: a systematic review. "
           "J Foot Ankle Res 2014;7:23")
BURNS = ("Burns J et al. Effective orthotic therapy for the painful cavus foot: a randomized controlled "
         "trial. J Am Podiatr Med Assoc 2006;96(3):205-211")
CKS_PF = "NICE CKS Plantar fasciitis (2023)"
SEVER = ("NICE CKS Plantar fasciitis (2023), differential diagnosis: calcaneal apophysitis (Sever's disease) "
         "in children")
LANDORF = ("NICE CKS Plantar fasciitis (2023); Landorf KB et al. Effectiveness of foot orthoses to treat "
           "plantar fasciitis: a randomized trial. Arch Intern Med 2006;166(12):1305-1310")
BRADY = ("Brady RJ et al. Limb length inequality: clinical implications for assessment and intervention. "
         "J Orthop Sports Phys Ther 2003;33(5):221-234")
HSI = ("Hsi WL et al. Optimum position of metatarsal pad in metatarsalgia for pressure relief. "
       "Am J Phys Med Rehabil 2005;84(7):514-520")
MULLIGAN = ("Mulligan EP, Cook PG. Effect of plantar intrinsic muscle training on medial longitudinal arch "
            "morphology and dynamic function. Man Ther 2013;18(5):425-430")
RATHLEFF = ("Rathleff MS et al. High-load strength training improves outcome in patients with plantar "
            "fasciitis: a randomized controlled trial with 12-month follow-up. Scand J Med Sci Sports "
            "2015;25(3):e292-e300")
NG59 = "NICE NG59 Low back pain and sciatica in over 16s: assessment and management (2016, updated 2020)"
HUPPERETS = ("Hupperets MDW, Verhagen EALM, van Mechelen W. Effect of unsupervised home based proprioceptive "
             "training on recurrences of ankle sprain: randomised controlled trial. BMJ 2009;339:b2684")
IWGDF = "IWGDF Guidelines on the prevention and management of diabetes-related foot disease (2023)"
ARTICLES = "The shop's foot-care articles: general mobility and strength (no trial of this exercise alone)"

FLAT = {"arch_type": ["flat"], "pronation": ["over"]}
HIGH = {"arch_type": ["high"], "pronation": ["under"]}
HEEL = {"conditions": ["plantar-fasciitis", "heel-spur"]}
HEEL_OR_CHILD = {"conditions": ["plantar-fasciitis", "heel-spur"], "flags": ["child-heel-pain"]}
DRESS = {"shoe_type": ["dress", "high_heel"]}

# code, when, attribute, preferred, weight, contraindication, reason, source (in this order: position)
RULES = [
    ("flat-arch-support", FLAT, "arch_support", ["high"], 3, False,
     "High arch support holds up a low arch and helps stop the foot rolling inward.", BANWELL),
    ("flat-rigidity", FLAT, "rigidity", ["semi_rigid", "rigid"], 2, False,
     "A {value} shell keeps its shape under a low arch.", BANWELL),
    ("flat-heel-cup", FLAT, "heel_cup", ["deep"], 2, False,
     "A deep heel cup steadies the heel so the foot rolls in less.", BANWELL),
    ("flat-medial-posting", FLAT, "posting", ["medial"], 1, False,
     "Medial posting gently resists the foot rolling inward.", BANWELL),
    ("high-arch-fill", HIGH, "arch_support", ["high"], 3, False,
     "Full-contact arch fill spreads pressure along a high arch instead of only the heel and ball.", BURNS),
    ("high-cushioning", HIGH, "cushioning", ["high"], 3, False,
     "High cushioning absorbs the shock that a high, rigid arch passes on.", BURNS),
    ("high-no-medial-posting", HIGH, "posting", ["medial"], 4, True,
     "Medial posting tilts the foot outward, which a foot that already rolls outward does not need.", BURNS),
    ("heel-pain-heel-cup", HEEL_OR_CHILD, "heel_cup", ["deep"], 3, False,
     "A deep heel cup cradles and cushions the heel.", f"{CKS_PF}; {SEVER}"),
    ("heel-pain-cushioning", HEEL_OR_CHILD, "cushioning", ["medium", "high"], 2, False,
     "Cushioning under the heel softens each step.", f"{CKS_PF}; {SEVER}"),
    ("heel-pain-arch-support", HEEL, "arch_support", ["medium", "high"], 2, False,
     "Arch support takes some of the strain off the plantar fascia.", CKS_PF),
    ("heel-pain-prefabricated", HEEL, "kind", ["insole"], 1, False,
     "A ready-made insole is the usual first step for heel pain.", LANDORF),
    ("leg-length-heel-lift", {"conditions": ["leg-length-discrepancy"]}, "heel_lift_mm", [], 4, False,
     "A heel lift of about {heel_lift_mm} mm under the {short_side} heel evens out part of the difference.",
     BRADY),
    ("ball-of-foot-met-pad", {"conditions": ["metatarsalgia"]}, "met_pad", [True], 3, False,
     "A metatarsal pad lifts the bones behind the ball of the foot and takes pressure off it.", HSI),
    ("dress-length", DRESS, "length", ["three_quarter"], 2, False,
     "A slim 3/4 length fits dress shoes without crowding the toes.", FITTING),
    ("dress-volume", DRESS, "volume", ["low"], 2, False,
     "A low-volume insole leaves room for your foot in a slim shoe.", FITTING),
    ("roomy-volume", {"shoe_type": ["work_boot"], "activity": ["hiking"]}, "volume", ["high"], 1, False,
     "A high-volume insole fills a roomy boot.", FITTING),
    ("sports-length", {"shoe_type": ["athletic", "casual", "work_boot"]}, "length", ["full"], 1, False,
     "A full-length insole replaces the shoe's own insole.", FITTING),
    ("activity-match", {"activity": ["walking", "running", "standing_work", "hiking", "everyday"]},
     "activities", [], 1, False, "Made for {activity}.", FITTING),
    ("impact-cushioning", {"activity": ["running", "standing_work"]}, "cushioning", ["high"], 1, False,
     "Extra cushioning helps on long runs and long days on your feet.", FITTING),
    ("heavier-body-rigidity", {"flags": ["heavier-body"]}, "rigidity", ["semi_rigid", "rigid"], 1, False,
     "A {value} shell keeps its shape under a heavier body, where soft foam flattens sooner.", FITTING),
]  # fmt: skip

NUMB = ["reduced-sensation", "diabetes"]
# slug, name, instructions, conditions, flags served, contraindications, caution, source
EXERCISES = [
    ("toe-curls-and-spreads", "Toe curls and spreads",
     "Sitting with your feet flat, curl your toes down, then spread them as wide as you can. "
     "10-15 times per foot.", ["flat-feet", "metatarsalgia"], ["foot-fatigue"], [], "", MULLIGAN),
    ("towel-scrunch", "Towel scrunch",
     "Put a towel flat under your foot and pull it towards you by scrunching your toes. Do it for a minute "
     "per foot.", ["flat-feet", "plantar-fasciitis"], [], [], "", MULLIGAN),
    ("short-foot", "Short-foot exercise",
     "Sitting or standing, draw the ball of your foot towards your heel without curling the toes, so the "
     "arch rises. Hold 5 seconds, 10 times per foot.", ["flat-feet"], ["foot-fatigue"], [], "", MULLIGAN),
    ("big-toe-presses", "Big-toe presses",
     "Press your big toe into the floor while lifting the other four, then swap. 10 times per foot.",
     ["flat-feet", "metatarsalgia"], [], [], "", MULLIGAN),
    ("arch-roll", "Arch roll",
     "Roll the arch of your foot over a tennis ball or a frozen water bottle, 30 seconds per foot, "
     "pressing only as hard as feels comfortable.", ["plantar-fasciitis", "heel-spur", "high-arches"], [],
     NUMB, "Not with numbness or diabetes: a foot that does not feel fully can be hurt by cold or by "
     "pressing too hard.", f"{CKS_PF}; cautions: {IWGDF}"),
    ("heel-raises", "Heel raises",
     "Rise onto your toes, hold 3-5 seconds, lower slowly. 15 repetitions; hold a wall for balance.",
     ["flat-feet", "plantar-fasciitis"], [], [], "", RATHLEFF),
    ("calf-achilles-stretch", "Calf and Achilles stretch",
     "Hands on a wall, one foot back with the heel down and the knee straight; lean in until you feel the "
     "calf stretch. Hold 30 seconds, then bend the back knee a little and hold again. Both legs.",
     ["plantar-fasciitis", "heel-spur", "high-arches"], ["tight-calves", "child-heel-pain"], [], "",
     f"{CKS_PF}; {SEVER}"),
    ("tibialis-raises", "Tibialis raises",
     "Lean your back against a wall with your heels a foot in front of you and lift your toes and forefoot "
     "towards your shins. 15 repetitions.", ["flat-feet"], [], [], "", ARTICLES),
    ("ankle-circles", "Ankle circles",
     "Sitting, lift one foot and draw slow circles with it, 10 each way per foot.", ["high-arches"],
     ["ankle-instability"], [], "", ARTICLES),
    ("hip-bridges", "Hip bridges",
     "Lying on your back with your knees bent, lift your hips until your body is straight from shoulders "
     "to knees. Hold 3 seconds, 10-15 times.", ["leg-length-discrepancy"], ["low-back-pain"], [],
     "Stop if it brings on pain down a leg.", NG59),
    ("dead-bugs", "Dead bugs",
     "Lying on your back, arms up and knees bent over your hips, slowly lower the opposite arm and leg "
     "while keeping your low back on the floor. 8-10 per side.", [], ["low-back-pain"], [],
     "Stop if it brings on pain down a leg.", NG59),
    ("single-leg-balance", "Single-leg balance",
     "Stand on one foot beside a wall or a kitchen counter, touching it lightly if you need to, for up to "
     "30 seconds, three times per foot.", ["high-arches", "flat-feet"], ["ankle-instability",
     "previous-injury"], ["reduced-sensation", "older-adult"],
     "Try it with your eyes closed only once you can stand 30 seconds steadily with them open, and with a "
     "wall or counter within reach.", HUPPERETS),
    ("supported-balance", "Supported balance",
     "Stand holding a kitchen counter with both hands, feet hip-width apart. Shift your weight slowly onto "
     "one foot and lift the other just off the floor; hold 10 seconds, 5 times per foot.", [],
     ["ankle-instability", "previous-injury", "reduced-sensation", "older-adult"], [],
     "Keep both hands on the counter and your eyes open; sit down if you feel unsteady.",
     f"{HUPPERETS}; cautions: {IWGDF}"),
]  # fmt: skip


def forward(apps, schema_editor):
    MatchingRule = apps.get_model("matching", "MatchingRule")
    Exercise = apps.get_model("matching", "Exercise")
    Condition = apps.get_model("catalogue", "Condition")
    for position, (code, when, attribute, preferred, weight, contra, reason, source) in enumerate(RULES):
        MatchingRule.objects.update_or_create(
            code=code,
            defaults=dict(when=when, attribute=attribute, preferred=preferred, weight=weight,
                          contraindication=contra, reason=reason, source=source, position=position),
        )  # fmt: skip
    # Rows staff added themselves keep their text, but none may point to the specification's file.
    MatchingRule.objects.filter(source__icontains="matching.md").exclude(code__in=[r[0] for r in RULES]).update(
        source=FITTING
    )
    conditions = {condition.slug: condition for condition in Condition.objects.all()}
    for position, (slug, name, instructions, slugs, flags, contra, caution, source) in enumerate(EXERCISES):
        exercise, _ = Exercise.objects.update_or_create(
            slug=slug,
            defaults=dict(name=name, instructions=instructions, flags=flags, contraindications=contra,
                          caution=caution, source=source, position=position),
        )  # fmt: skip
        exercise.conditions.set([conditions[s] for s in slugs if s in conditions])
    Exercise.objects.filter(source__icontains="matching.md").exclude(slug__in=[e[0] for e in EXERCISES]).update(
        source=ARTICLES
    )
    Condition.objects.filter(slug="foot-related-back-pain").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0004_consent'),
        ('catalogue', '0008_product_suitable_for_children'),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='outcome',
            field=models.JSONField(blank=True, default=dict, help_text='As shown: the advice, the accessories, general comfort products and sold-out best fits.'),
        ),
        migrations.AddField(
            model_name='exercise',
            name='caution',
            field=models.CharField(blank=True, help_text='Shown with the exercise, e.g. when to stop or what not to try.', max_length=300),
        ),
        migrations.AddField(
            model_name='exercise',
            name='contraindications',
            field=models.JSONField(blank=True, default=list, help_text='Profile flags that rule the exercise out, e.g. ["reduced-sensation"] for cold or hard rolling, or balance without support.'),
        ),
        migrations.AddField(
            model_name='exercise',
            name='flags',
            field=models.JSONField(blank=True, default=list, help_text='Profile flags the exercise also serves, e.g. ["tight-calves"]. Flags: child, child-heel-pain, older-adult, diabetes, reduced-sensation, ankle-instability, previous-injury, tight-calves, foot-fatigue, low-back-pain, heavier-body.'),
        ),
        migrations.AlterField(
            model_name='exercise',
            name='source',
            field=models.CharField(blank=True, help_text='The guideline or paper the exercise rests on, cited in full.', max_length=500),
        ),
        migrations.AlterField(
            model_name='matchingrule',
            name='reason',
            field=models.CharField(help_text="One plain sentence shown to the customer on a full match; may use {heel_lift_mm}, {short_side}, {activity}, and {value} or {Value} (the product's value, e.g. semi-rigid). Describe what the insole does (supports, cushions), never a cure. A half match has its own sentence.", max_length=300),
        ),
        migrations.AlterField(
            model_name='matchingrule',
            name='source',
            field=models.CharField(help_text='The guideline or paper the rule rests on, cited in full.', max_length=500),
        ),
        migrations.AlterField(
            model_name='matchingrule',
            name='when',
            field=models.JSONField(help_text='Profile fields and values, any of which makes the rule apply, e.g. {"arch_type": ["flat"], "pronation": ["over"]}. Fields: arch_type, pronation, conditions, flags, activity, shoe_type.'),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
