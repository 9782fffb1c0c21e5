"""Benchmark foot-type matching: ranking over 5,000 products and a 12-megapixel footprint photo.

Run from the project root: ``.venv/bin/python -m bench.matching``. Prints median times (in process) and peak memory.
Targets (2-core machine): ranking < 50 ms; footprint < 400 ms and < 250 MB.
"""

import importlib
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

import django

from catalogue.images import open_validated_image
from catalogue.matching.footprint import analyse_footprint
from catalogue.matching.profile import profile_from_answers
from catalogue.matching.scoring import ORDINAL_SCALES, Candidate, Rule, rank_candidates, rule_applies

ROOT = Path(__file__).resolve().parent.parent

SEED = importlib.import_module("catalogue.matching.migrations.0005_clinical_safety")


def _median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_ranking(products: int = 5000) -> None:
    rng = random.Random(4)
    candidates = [
        Candidate(
            product_id=i,
            slug=f"insole-{i:05d}",
            name=f"Insole {i:05d}",
            kind=rng.choice(["insole"] * 9 + ["custom_orthotic"]),
            price=Decimal(rng.randrange(990, 29900)) / 100,
            posting=rng.choice(["none", "medial", "lateral"]),
            heel_lift_mm=rng.choice([0, 0, 0, 3, 6, 9]),
            met_pad=rng.random() < 0.2,
            activities=tuple(rng.sample(["walking", "running", "standing_work", "hiking", "everyday"], 2)),
            **{name: rng.choice(scale) for name, scale in ORDINAL_SCALES.items()},
        )
        for i in range(products)
    ]
    rules = [
        Rule(code=code, when={k: tuple(v) for k, v in when.items()}, attribute=attribute,
             preferred=tuple(preferred), weight=weight, contraindication=contra, reason=reason)
        for code, when, attribute, preferred, weight, contra, reason, _ in SEED.RULES
    ]  # fmt: skip
    answers = {
        "arch_type_self": "flat",
        "heel_pain_morning": True,
        "pain_areas": ["ball_of_foot", "low_back"],
        "back_pain_worse_in_bad_shoes": True,
        "leg_length_difference_mm": 9,
        "short_side": "left",
        "activity": "standing_work",
        "shoe_type": "work_boot",
    }

    def run():
        profile = profile_from_answers(answers=answers)
        return rank_candidates(profile=profile, candidates=candidates, rules=rules, limit=10)

    profile = profile_from_answers(answers=answers)
    applicable = sum(1 for rule in rules if rule_applies(rule=rule, profile=profile))
    median = _median_ms(run, 25)
    print(
        f"ranking: {products} products, {len(rules)} seeded rules ({applicable} apply) -> median {median:.1f} ms "
        "(target < 50 ms)"
    )


def _photo_bytes() -> bytes:
    """A 12-megapixel (4000 x 3000) JPEG photo of an inked print on slightly noisy, unevenly lit paper."""
    import numpy as np
    from PIL import Image

    from tests.matching.prints import draw_print

    picture = draw_print("normal", size=(3000, 4000), angle=12, supersample=1).image.convert("L")
    pixels = np.asarray(picture, dtype=np.float32)
    rng = np.random.default_rng(3)
    pixels += rng.normal(0, 6, pixels.shape).astype(np.float32)
    pixels += np.linspace(-12, 12, pixels.shape[1], dtype=np.float32)[None, :]  # uneven light
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).convert("RGB").rotate(90, expand=True)
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def _analyse(data: bytes):
    upload = io.BytesIO(data)
    return analyse_footprint(image=open_validated_image(upload), mm_per_px=0.1)


def _peak_rss_mb() -> float:
    # VmHWM belongs to this process image; ru_maxrss on Linux keeps the parent's peak across exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def footprint_child(path: str) -> None:
    """Run in a fresh process: the footprint path's peak memory, apart from the benchmark's own data."""
    data = Path(path).read_bytes()
    baseline = _peak_rss_mb()
    _analyse(data)
    tracemalloc.start()
    _analyse(data)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = _peak_rss_mb()
    print(f"{baseline:.0f} {peak:.0f} {traced_peak / 2**20:.0f}")


def bench_footprint() -> None:
    data = _photo_bytes()
    analysis = _analyse(data)
    total = _median_ms(lambda: _analyse(data), 7)
    image = open_validated_image(io.BytesIO(data))
    decode = _median_ms(lambda: open_validated_image(io.BytesIO(data)), 7)
    measure = _median_ms(lambda: analyse_footprint(image=image, mm_per_px=0.1, with_overlay=False), 7)
    overlay = _median_ms(lambda: analyse_footprint(image=image, mm_per_px=0.1), 7) - measure
    with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
        file.write(data)
        file.flush()
        output = subprocess.run(
            [sys.executable, "-m", "bench.matching", "--footprint-child", file.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    baseline, peak, traced = (float(x) for x in output[-3:])
    print(
        f"footprint: {image.width}x{image.height} JPEG ({len(data) / 2**20:.1f} MB), AI {analysis.arch_index:.3f} "
        f"({analysis.arch_type}) -> median {total:.0f} ms (decode + checks {decode:.0f} ms, measure {measure:.0f} ms, "
        f"overlay {overlay:.0f} ms) (target < 400 ms)"
    )
    print(
        f"footprint memory: peak RSS {peak:.0f} MB for the whole process ({peak - baseline:.0f} MB above the "
        f"{baseline:.0f} MB after imports), Python/numpy allocations peak {traced:.0f} MB (target < 250 MB)"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    django.setup()
    if len(sys.argv) == 3 and sys.argv[1] == "--footprint-child":
        footprint_child(sys.argv[2])
    else:
        print(f"cpus: {os.cpu_count()}")
        bench_ranking()
        bench_footprint()
