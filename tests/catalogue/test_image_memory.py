"""A 40-megapixel upload is decoded in bounded memory (not timed: only the peak is measured).

Each picture is drawn here, written to a file, and handed to a fresh Python process that validates
it and writes its renditions as a product image upload does; that process reports how much its peak
resident memory grew (``resource.getrusage``: Pillow's pixel buffers are C allocations, which
``tracemalloc`` would not see). Decoding such a photo whole, then turning and converting it, grew it
by about 460 MB.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MB = 250
SIZE = (7744, 5162)  # 39.97 megapixels: just under the 40 the shop accepts

MEASURE = """
import io, json, resource, sys
import django
django.setup()
from catalogue.images import validated_renditions
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
renditions = validated_renditions(io.BytesIO(data))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_mb": (after - before) / 1024, "size": [renditions.width, renditions.height]}))
"""


def _photo(image_format: str, path: Path) -> Path:
    """A smooth 40-megapixel picture (a gradient with a little texture), small enough as a file."""
    width, height = SIZE
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    red = (x[None, :] * 0.7 + y * 0.3).astype(np.uint8)
    green = ((x[None, :] + y) / 2).astype(np.uint8)
    blue = np.broadcast_to((255 - x[None, :]).astype(np.uint8), (height, width))
    picture = Image.fromarray(np.dstack([red, green, blue]), "RGB")
    del red, green, blue
    picture.save(path, format=image_format, **({"quality": 85} if image_format == "JPEG" else {}))
    return path


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_40_megapixel_upload_stays_under_250_mb(tmp_path, image_format):
    path = _photo(image_format, tmp_path / f"big.{image_format.lower()}")
    assert os.path.getsize(path) < 10 * 1024 * 1024  # within the upload limit
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)  # nothing here touches a database
    finished = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    measured = json.loads(finished.stdout.strip().splitlines()[-1])
    assert measured["size"] == [1600, 1067]  # the web rendition, proportions kept
    assert measured["grew_mb"] < LIMIT_MB, measured
