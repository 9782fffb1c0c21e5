"""Red flags, cautions and advice as data, each with its source; pure (plain values in and out).

A red flag names the signs that must all be present (answers that are true, or signs derived from
the answers: ``heel_pain_long``, ``leg_length_large``, ``child_heel_pain``), the signs that must be
absent, an urgency and the sentence shown to the customer. An urgent flag means: see someone today,
and the shop sells nothing. ``docs/matching.md`` (Referral, Safety) lists them in words.

Product cautions take a product out of the ranking for a profile flag; exercise contraindications are
stored with each exercise (``Exercise.contraindications``) and work the same way.
"""

from dataclasses import dataclass

# The guidelines and papers the rules below rest on, as they are cited to staff and customers.
IWGDF_2023 = (
    "IWGDF Guidelines on the prevention and management of diabetes-related foot disease (2023): "
    "prevention (Bus et al.), peripheral artery disease (Fitridge et al.), Charcot neuro-osteoarthropathy"
)
NG19 = "NICE NG19 Diabetic foot problems: prevention and management (2015, updated 2019)"
CG147 = "NICE CG147 Peripheral arterial disease: diagnosis and management (2012, updated 2020)"
CKS_PF = "NICE CKS Plantar fasciitis (2023)"
CKS_SEVER = (
    "NICE CKS Plantar fasciitis (2023), differential diagnosis: in children and adolescents heel pain is "
    "usually calcaneal apophysitis (Sever's disease)"
)
NG59 = "NICE NG59 Low back pain and sciatica in over 16s: assessment and management (2016, updated 2020)"
OTTAWA = (
    "Stiell IG et al. Decision rules for the use of radiography in acute ankle injuries (Ottawa ankle "
    "rules). JAMA 1993;269(9):1127-1132"
)
HOT_JOINT = (
    "Coakley G et al. BSR & BHPR, BOA, RCGP and BSAC guidelines for management of the hot swollen joint "
    "in adults. Rheumatology 2006;45(8):1039-1041"
)
LEG_LENGTH = (
    "Brady RJ et al. Limb length inequality: clinical implications for assessment and intervention. "
    "J Orthop Sports Phys Ther 2003;33(5):221-234"
)
CHILD_FLAT_FOOT = (
    "Evans AM, Rome K. A Cochrane review of the evidence for non-surgical interventions for flexible "
    "pediatric flat feet. Eur J Phys Rehabil Med 2011;47(1):69-89"
)
ANKLE_BALANCE = (
    "Hupperets MDW, Verhagen EALM, van Mechelen W. Effect of unsupervised home based proprioceptive "
    "training on recurrences of ankle sprain: randomised controlled trial. BMJ 2009;339:b2684"
)
FITTING = "Fit, not treatment: the shop's fitting guide (no clinical guideline covers this choice)"


@dataclass(frozen=True)
class RedFlag:
    code: str
    urgency: str  # "urgent" | "soon"
    all_of: tuple[str, ...]
    reason: str
    source: str
    none_of: tuple[str, ...] = ()

    def fires(self, signs: set[str]) -> bool:
        return set(self.all_of) <= signs and not signs.intersection(self.none_of)


# In this order in the referral's reasons. Sentences may use {weeks} and {mm}.
RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag("injury-no-weight", "urgent", ("recent_injury_cannot_bear_weight",),
            "You cannot put weight on the foot after an injury: have it checked today (urgent care or A&E) "
            "before using any insole.", OTTAWA),
    RedFlag("diabetic-charcot", "urgent", ("diabetes", "hot_swollen_joint_or_fever"),
            "With diabetes, a hot, swollen foot can be Charcot foot: keep your weight off it and see your "
            "diabetes foot team, GP or A&E today.", f"{NG19}; {IWGDF_2023}"),
    RedFlag("hot-swollen-joint", "urgent", ("hot_swollen_joint_or_fever",),
            "A hot, swollen joint or a fever needs a doctor today, not an insole.", HOT_JOINT,
            none_of=("diabetes",)),
    RedFlag("diabetic-wound", "urgent", ("diabetes", "wound_or_colour_change"),
            "With diabetes, a wound that is not healing or a change of colour on the foot needs your "
            "doctor or podiatrist today.", f"{NG19}; {IWGDF_2023}"),
    RedFlag("diabetic-rest-pain", "urgent", ("diabetes", "night_or_rest_pain"),
            "With diabetes, foot pain at night or at rest can mean the foot is short of blood: see your "
            "doctor or diabetes foot team today.", f"{IWGDF_2023}; {NG19}"),
    RedFlag("diabetic-cold-pale-foot", "urgent", ("diabetes", "cold_or_pale_foot"),
            "With diabetes, a cold, pale or bluish foot can mean it is short of blood: see your doctor or "
            "diabetes foot team today.", f"{IWGDF_2023}; {NG19}"),
    RedFlag("diabetic-absent-pulses", "urgent", ("diabetes", "absent_foot_pulses"),
            "With diabetes, foot pulses that a clinician could not feel mean the circulation needs checking: "
            "contact your diabetes foot team or doctor today.", f"{IWGDF_2023}; {NG19}"),
    RedFlag("rest-pain-eased-hanging", "urgent", ("pain_eased_hanging_leg_down",),
            "Foot pain at rest that eases when you hang the leg down is a sign the foot is short of blood: "
            "see a doctor today.", CG147),
    RedFlag("cold-foot-rest-pain", "urgent", ("cold_or_pale_foot", "night_or_rest_pain"),
            "A cold or pale foot that hurts at rest can mean it is short of blood: see a doctor today.", CG147),
    RedFlag("diabetic-numbness", "soon", ("diabetes", "numbness_or_tingling"),
            "With diabetes, numbness or tingling means the foot may not feel an injury: ask your diabetes "
            "foot service or podiatrist to check your feet and advise on footwear and insoles soon.",
            f"{NG19}; {IWGDF_2023}"),
    RedFlag("numbness", "soon", ("numbness_or_tingling",),
            "Numbness or tingling in the feet should be looked at by a podiatrist or your doctor soon.",
            IWGDF_2023, none_of=("diabetes",)),
    RedFlag("rest-pain", "soon", ("night_or_rest_pain",),
            "Foot pain at night or at rest is not typical of overloading; see a podiatrist or your doctor "
            "soon.", CG147, none_of=("diabetes",)),
    RedFlag("wound", "soon", ("wound_or_colour_change",),
            "A wound or a change of colour on the foot should be seen by a podiatrist or your doctor soon.",
            NG19, none_of=("diabetes",)),
    RedFlag("cold-pale-foot", "soon", ("cold_or_pale_foot",),
            "A foot that is often cold or pale should have its circulation checked by your doctor soon.",
            CG147, none_of=("diabetes",)),
    RedFlag("absent-pulses", "soon", ("absent_foot_pulses",),
            "Foot pulses that a clinician could not feel should be followed up with your doctor soon.",
            CG147, none_of=("diabetes",)),
    RedFlag("child-heel-pain", "soon", ("child_heel_pain",),
            "Heel pain in a child or teenager is usually Sever's disease (a sore growth plate at the back of "
            "the heel), not plantar fasciitis: a GP or podiatrist should confirm it.", CKS_SEVER),
    RedFlag("heel-pain-long", "soon", ("heel_pain_long",),
            "Heel pain that has lasted more than {weeks} weeks deserves a podiatrist's assessment.", CKS_PF),
    RedFlag("leg-length-large", "soon", ("leg_length_large",),
            "A leg-length difference over {mm} mm is more than an insole can even out; a podiatrist can "
            "advise on a shoe raise.", LEG_LENGTH),
)  # fmt: skip

# The answers a red flag may name, besides the derived signs.
RED_FLAG_ANSWERS = (
    "diabetes",
    "numbness_or_tingling",
    "night_or_rest_pain",
    "pain_eased_hanging_leg_down",
    "cold_or_pale_foot",
    "absent_foot_pulses",
    "recent_injury_cannot_bear_weight",
    "hot_swollen_joint_or_fever",
    "wound_or_colour_change",
)


@dataclass(frozen=True)
class ProductCaution:
    """A product with ``attribute`` in ``values`` is not offered to a profile with ``flag``."""

    code: str
    flag: str
    attribute: str
    values: tuple
    reason: str
    source: str


PRODUCT_CAUTIONS: tuple[ProductCaution, ...] = (
    ProductCaution("child-adult-products", "child", "suitable_for_children", (False,),
                   "Only insoles made for children's feet are offered for a child; adult rigid orthoses are not.",
                   CHILD_FLAT_FOOT),
    ProductCaution("reduced-sensation-rigid", "reduced-sensation", "rigidity", ("rigid",),
                   "A rigid shell is not offered to a foot with numbness: it can press where the foot cannot "
                   "feel it.", IWGDF_2023),
)  # fmt: skip


def product_allowed(candidate, flags) -> bool:
    """Tell whether no product caution of the profile's ``flags`` rules the candidate out."""
    return not any(
        caution.flag in flags and getattr(candidate, caution.attribute) in caution.values
        for caution in PRODUCT_CAUTIONS
    )


@dataclass(frozen=True)
class Advice:
    code: str
    text: str
    source: str

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "source": self.source}


ADVICE = {
    "no-mechanical-reason": Advice(
        "no-mechanical-reason",
        "Nothing in your answers gives an insole something to correct: your arches, the way your feet "
        "roll and your legs' lengths look ordinary, so we do not recommend any of our insoles.",
        FITTING,
    ),
    "low-back-pain": Advice(
        "low-back-pain",
        "Insoles are not a treatment for low back pain: NICE advises against them for it. What helps is "
        "staying active and exercise; see your GP or a physiotherapist if it lasts more than a few weeks, "
        "keeps coming back or gets worse.",
        NG59,
    ),
    "low-back-pain-with-foot": Advice(
        "low-back-pain-with-foot",
        "The insoles below are chosen for your feet, not for your back: NICE advises against insoles as a "
        "treatment for low back pain. Stay active, and see your GP or a physiotherapist if the back pain "
        "lasts more than a few weeks or gets worse.",
        NG59,
    ),
    "back-pain-shoes": Advice(
        "back-pain-shoes",
        "You said your back feels different in supportive shoes. Wear the shoes you find comfortable, but "
        "that alone does not show that the feet cause the pain, and no insole is sold here to treat it.",
        NG59,
    ),
    "leg-length-small": Advice(
        "leg-length-small",
        "A leg-length difference under {mm} mm is common and needs no heel lift.",
        LEG_LENGTH,
    ),
    "child-flat-feet": Advice(
        "child-flat-feet",
        "Flexible flat feet are normal in children and, without pain, need no insole; see a GP or "
        "podiatrist if they hurt, are stiff or only one foot is flat.",
        CHILD_FLAT_FOOT,
    ),
    "child-no-products": Advice(
        "child-no-products",
        "We have no insole made for children that fits these answers; a podiatrist can advise.",
        CHILD_FLAT_FOOT,
    ),
    "see-professional-if-persists": Advice(
        "see-professional-if-persists",
        "If the pain lasts more than a few weeks or gets worse, see your GP, a podiatrist or a "
        "physiotherapist.",
        CKS_PF,
    ),
    "diabetes-foot-checks": Advice(
        "diabetes-foot-checks",
        "With diabetes, have your feet checked at least once a year, check them yourself every day, and "
        "break new insoles in over a few days, looking for red marks after each wear.",
        f"{NG19}; {IWGDF_2023}",
    ),
    "ankle-instability": Advice(
        "ankle-instability",
        "An ankle that gives way is helped most by balance training, which an insole does not replace; "
        "the balance exercise below is a start, and a physiotherapist can plan more.",
        ANKLE_BALANCE,
    ),
    "previous-injury": Advice(
        "previous-injury",
        "After an earlier foot injury, break new insoles in gradually (an hour the first day, a little "
        "longer each day), and stop if the old injury starts to hurt.",
        FITTING,
    ),
    "heavier-body-heel-pain": Advice(
        "heavier-body-heel-pain",
        "Body weight adds load on the heel: if you are carrying extra weight, losing some eases heel pain.",
        CKS_PF,
    ),
    "tight-calves": Advice(
        "tight-calves",
        "Tight calves pull on the heel; the calf stretch below, done every day, loosens them.",
        CKS_PF,
    ),
}
