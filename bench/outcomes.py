"""Simulate twelve months of a shop whose rankings learn from outcomes, against the same shop on rules alone.

Run from the project root: ``.venv/bin/python -m bench.outcomes``. Deterministic (fixed seed); no
database. It uses the shop's own code for everything the shop does: the profile and the referral from
the answers (``catalogue.matching.profile``), the product cautions (``scoring.allowed_for``), the seeded
ranking rules (``matching`` migration 0005) and ``rank_candidates``, the outcome of each order line
(``orders.outcomes.policy``), and the estimator and re-ranking (``catalogue.matching.learning``) with
the shipped ``MATCHING_LEARNING_*`` settings. Only the customers and their feet are made up.

The synthetic shop: 24 insoles, every combination of arch support, shell, cushioning and posting that
the catalogue sells, each with a hidden true comfort for each segment (arch type and activity) that the
rules only partly capture: a rule-score part, plus a hidden effect per product and segment (some
insoles are much firmer underfoot than their shell says, some run small, some suit runners with high
arches better than the rules think). Each month 600 customers take the assessment; 5 % have an urgent
red flag (nothing is offered) and 5 % numbness (no rigid shell). A customer buys one of the top three,
mostly the first. Within two weeks a fit return happens with a probability that falls with the true
comfort (its reason the product's typical complaint); a customer who keeps it answers the eight-week
follow-up with probability 0.6 (kept with pain better, or not). Returns reach the evidence the next
month, eight-week answers two months later. Both arms see the same customers and the same random
draws (common random numbers), so month 1 is the same in both.

Prints, month by month, the fit-related return rate and the mean true comfort (1-5) of what was bought,
for the static rules and for the learning rankings; the last line reads
``month 12: fit-related returns static X %, learning Y %``.
"""

import importlib
import os
import random
from collections import defaultdict
from decimal import Decimal

import django

SEED = 20261201
MONTHS = 12
CUSTOMERS_PER_MONTH = 600
FOLLOWUP_ANSWER_RATE = 0.6
CHOICE_WEIGHTS = (0.65, 0.22, 0.13)  # the first, second or third offered


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    django.setup()


def main() -> None:
    _setup()
    from django.conf import settings

    from catalogue.matching.learning import (
        Evidence,
        EvidenceRow,
        evidence_by_product,
        rank_learned,
        segment_of,
    )
    from catalogue.matching.profile import profile_from_answers, referral_for
    from catalogue.matching.safety import product_allowed
    from catalogue.matching.scoring import Candidate, Rule, allowed_for, rank_candidates
    from catalogue.matching.selectors import learning_params
    from orders.outcomes import policy

    seeded = importlib.import_module("catalogue.matching.migrations.0005_clinical_safety")
    rules = [
        Rule(code=code, when={k: tuple(v) for k, v in when.items()}, attribute=attribute,
             preferred=tuple(preferred), weight=weight, contraindication=contra, reason=reason)
        for code, when, attribute, preferred, weight, contra, reason, _ in seeded.RULES
    ]  # fmt: skip
    params = learning_params()
    rng = random.Random(SEED)

    # --- the catalogue ---------------------------------------------------------------------------
    activities = ("running", "walking", "standing_work", "hiking", "everyday")
    products = []
    pid = 0
    for arch_support in ("low", "medium", "high"):
        for rigidity, cushioning in (
            ("soft", "high"),
            ("semi_rigid", "medium"),
            ("rigid", "low"),
            ("semi_rigid", "high"),
        ):
            for posting in ("none", "medial"):
                if posting == "medial" and arch_support == "low":
                    continue
                pid += 1
                products.append(
                    Candidate(
                        product_id=pid, slug=f"insole-{pid}", name=f"Insole {pid:02d}", kind="insole",
                        price=Decimal(30 + 3 * pid), arch_support=arch_support, rigidity=rigidity,
                        posting=posting, heel_cup=rng.choice(("shallow", "medium", "deep")),
                        cushioning=cushioning, length="full", volume="medium",
                        activities=tuple(a for a in activities if rng.random() < 0.6) or ("everyday",),
                    )
                )  # fmt: skip
    complaints = ("too_firm", "too_soft", "arch_too_high", "arch_too_low", "too_narrow", "does_not_fit_shoes")
    complaint = {p.product_id: rng.choice(complaints) for p in products}
    # The hidden part of the truth: per product and (arch type, activity), most small, some large.
    hidden = {}
    for p in products:
        for arch in ("flat", "normal", "high"):
            for activity in activities:
                draw = rng.random()
                effect = rng.gauss(0, 0.08)
                if draw < 0.22:
                    effect -= rng.uniform(0.25, 0.45)  # far worse than its rules say (firm, narrow, small)
                elif draw < 0.32:
                    effect += rng.uniform(0.15, 0.3)  # a hidden gem for this segment
                hidden[p.product_id, arch, activity] = effect

    def true_quality(product, profile, rule_score) -> float:
        """0-1: the rules' part (half of it) and the hidden part."""
        q = 0.35 + 0.4 * rule_score / 100 + hidden[product.product_id, profile.arch_type, profile.activity]
        return max(0.0, min(1.0, q))

    def comfort_of(quality) -> float:
        return 1 + 4 * quality

    def fit_return_probability(quality) -> float:
        return max(0.02, min(0.85, 0.7 * (1 - quality) ** 1.5))

    def success_probability(quality) -> float:  # kept: pain better at eight weeks
        return max(0.05, min(0.95, 0.2 + 0.75 * quality))

    # --- the customers ---------------------------------------------------------------------------
    def customer(r: random.Random) -> dict:
        arch = r.choices(("flat", "normal", "high"), weights=(0.4, 0.35, 0.25))[0]
        answers = {
            "arch_type_self": arch,
            "activity": r.choice(activities),
            "shoe_type": r.choice(("athletic", "casual")),
            "pain_areas": r.sample(["heel", "arch", "ball_of_foot", "knee"], k=r.randint(1, 2)),
            "heel_pain_morning": r.random() < 0.3,
        }
        draw = r.random()
        if draw < 0.05:
            answers["recent_injury_cannot_bear_weight"] = True  # urgent: see someone, nothing sold
        elif draw < 0.10:
            answers["numbness_or_tingling"] = True  # no rigid shell
        return answers

    arms = ("static", "learning")
    evidence_rows = {arm: defaultdict(Evidence) for arm in arms}  # (product, segment key) -> evidence
    pending = {arm: defaultdict(list) for arm in arms}  # month the evidence arrives -> [(pid, seg, ev)]
    violations = {arm: 0 for arm in arms}
    results = []
    for month in range(1, MONTHS + 1):
        for arm in arms:
            for product_id, segment, evidence in pending[arm].pop(month, []):
                evidence_rows[arm][product_id, segment] += evidence
        month_rng = random.Random(SEED * 100 + month)
        stats = {arm: {"bought": 0, "fit_returns": 0, "comfort": 0.0} for arm in arms}
        for _ in range(CUSTOMERS_PER_MONTH):
            answers = customer(month_rng)
            choice_u, return_u, answer_u, success_u = (month_rng.random() for _ in range(4))
            profile = profile_from_answers(answers=answers)
            referral = referral_for(answers=answers)
            allowed = allowed_for(profile=profile, candidates=products)
            ranked = rank_candidates(
                profile=profile, candidates=allowed, rules=rules, urgency=referral.urgency
            )
            rule_scores = {r.candidate.product_id: r.score for r in ranked}
            segment = segment_of(profile)
            for arm in arms:
                offered = ranked
                if arm == "learning" and ranked:
                    rows = [
                        EvidenceRow(product_id=pid_, segment=seg, evidence=ev)
                        for (pid_, seg), ev in evidence_rows[arm].items()
                        if seg.split("|")[0] == segment.arch_type and seg.split("|")[3] == segment.activity
                    ]
                    found = evidence_by_product(rows, segment=segment)
                    offered = [
                        r for r, _ in rank_learned(ranked, segment=segment, evidence=found, params=params)
                    ]
                offered = offered[: settings.MATCHING_RECOMMENDATIONS_MAX]
                if any(not product_allowed(r.candidate, set(profile.flags)) for r in offered):
                    violations[arm] += 1
                if referral.urgency == "urgent" and offered:
                    violations[arm] += 1
                if not offered:
                    continue
                top = offered[:3]
                weights = CHOICE_WEIGHTS[: len(top)]
                pick, acc = top[-1], 0.0
                for candidate_rec, weight in zip(top, weights, strict=True):
                    acc += weight / sum(weights)
                    if choice_u < acc:
                        pick = candidate_rec
                        break
                product = pick.candidate
                quality = true_quality(product, profile, rule_scores[product.product_id])
                stats[arm]["bought"] += 1
                stats[arm]["comfort"] += comfort_of(quality)
                returns, answers_given = [], []
                if return_u < fit_return_probability(quality):
                    returns = [("return", complaint[product.product_id])]
                    stats[arm]["fit_returns"] += 1
                    arrives = month + 1
                elif answer_u < FOLLOWUP_ANSWER_RATE:
                    kept_better = success_u < success_probability(quality)
                    answers_given = [policy.Answer(final=True, still_wearing=True, pain_better=kept_better)]
                    arrives = month + 2
                else:
                    continue
                outcome = policy.line_outcome(returns=returns, answers=answers_given)
                pending[arm][arrives].append((product.product_id, segment.key, policy.contribution(outcome)))
        results.append((month, stats))
        line = [f"month {month:2d}:"]
        for arm in arms:
            s = stats[arm]
            rate = 100 * s["fit_returns"] / s["bought"]
            line.append(f"{arm} fit returns {rate:5.1f} %, comfort {s['comfort'] / s['bought']:.2f}")
        if month < MONTHS:
            print("  ".join(line[:1] + [" | ".join(line[1:])]))
    month, stats = results[-1]
    static = 100 * stats["static"]["fit_returns"] / stats["static"]["bought"]
    learning = 100 * stats["learning"]["fit_returns"] / stats["learning"]["bought"]
    comfort = {arm: stats[arm]["comfort"] / stats[arm]["bought"] for arm in arms}
    print(
        f"month 12 detail: comfort static {comfort['static']:.2f}, learning {comfort['learning']:.2f}; "
        f"fit returns {100 * (static - learning) / static:.0f} % lower with learning; "
        f"excluded products offered: static {violations['static']}, learning {violations['learning']}"
    )
    print(f"month 12: fit-related returns static {static:.1f} %, learning {learning:.1f} %")


if __name__ == "__main__":
    main()
