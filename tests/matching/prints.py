"""Synthetic footprints drawn with Pillow, with their true arch index measured on the drawn shape."""

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageOps

# Midfoot contact width (share of the print length) for each arch; the truth is measured, not assumed.
MIDFOOT_WIDTH = {"high": 0.06, "normal": 0.15, "flat": 0.24}


@dataclass(frozen=True)
class DrawnPrint:
    image: Image.Image
    arch_index: float  # measured on the upright drawing, toes excluded
    chippaux_smirak: float
    length_px: float  # heel to the tip of the longest toe, in the final picture's pixels
    forefoot_width_px: float


def _draw_foot(draw: ImageDraw.ImageDraw, *, cx: float, heel_y: float, length: float, midfoot: float, fill):
    """Draw the print upright (toes up) with its heel's back at ``heel_y``; return nothing."""

    def y(share):  # distance from the heel, as a share of the print length, to an image row
        return heel_y - share * length

    draw.ellipse((cx - 0.13 * length, y(0.32), cx + 0.13 * length, y(0.0)), fill=fill)
    draw.ellipse((cx - 0.19 * length, y(1.0), cx + 0.19 * length, y(0.6)), fill=fill)
    half = midfoot * length / 2
    draw.rectangle((cx - half, y(0.75), cx + half, y(0.17)), fill=fill)


def _draw_toes(draw: ImageDraw.ImageDraw, *, cx: float, heel_y: float, length: float, fill):
    for offset, radius, reach in ((-0.13, 0.045, 1.1), (-0.04, 0.035, 1.12), (0.04, 0.032, 1.1),
                                  (0.1, 0.028, 1.08), (0.15, 0.024, 1.06)):  # fmt: skip
        centre_y = heel_y - (reach - radius) * length
        x = cx + offset * length
        draw.ellipse((x - radius * length, centre_y - radius * length, x + radius * length, centre_y + radius * length),
                     fill=fill)  # fmt: skip


def _truth(mask: np.ndarray) -> tuple[float, float, float]:
    rows = np.nonzero(mask.any(axis=1))[0]
    top, bottom = rows.min(), rows.max()
    counts = mask[top : bottom + 1].sum(axis=1).astype(float)[::-1]  # from the heel
    length = bottom - top
    zone = np.minimum((np.arange(counts.size) * 3 / length).astype(int), 2)
    arch_index = counts[zone == 1].sum() / counts.sum()
    csi = 100 * counts[zone == 1][1:-1].min() / counts[zone == 2].max()
    return float(arch_index), float(csi), float(counts[zone == 2].max())


def draw_print(
    arch: str,
    *,
    size: tuple[int, int] = (900, 1200),
    angle: float = 0.0,
    inverted: bool = False,
    jpeg_quality: int | None = None,
    toes: bool = True,
    supersample: int = 2,
    noise: float = 0.0,
    fill: int = 40,
    paper: int = 235,
) -> DrawnPrint:
    """Draw a footprint of the given arch type, then rotate, invert and compress it as asked."""
    width, height = size[0] * supersample, size[1] * supersample
    length = 0.62 * height / (1 + 0.5 * abs(math.sin(math.radians(angle))))
    cx, heel_y = width / 2, height / 2 + 0.55 * length

    mask_image = Image.new("L", (width, height), 0)
    _draw_foot(
        ImageDraw.Draw(mask_image), cx=cx, heel_y=heel_y, length=length, midfoot=MIDFOOT_WIDTH[arch], fill=255
    )
    arch_index, csi, fore_width = _truth(np.asarray(mask_image) > 127)

    picture = Image.new("L", (width, height), paper)
    draw = ImageDraw.Draw(picture)
    _draw_foot(draw, cx=cx, heel_y=heel_y, length=length, midfoot=MIDFOOT_WIDTH[arch], fill=fill)
    if toes:
        _draw_toes(draw, cx=cx, heel_y=heel_y, length=length, fill=fill)
    if angle:
        picture = picture.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=paper)
    if supersample != 1:
        picture = picture.resize(size, Image.Resampling.BOX)
    if noise:
        rng = np.random.default_rng(7)
        pixels = np.asarray(picture).astype(float) + rng.normal(0, noise, (size[1], size[0]))
        picture = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if inverted:
        picture = ImageOps.invert(picture)
    picture = picture.convert("RGB")
    if jpeg_quality:
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=jpeg_quality)
        picture = Image.open(io.BytesIO(buffer.getvalue()))
        picture.load()
    full_length = (1.12 if toes else 1.0) * length / supersample
    return DrawnPrint(picture, arch_index, csi, full_length, fore_width / supersample)


def encode(image: Image.Image, *, format: str = "PNG", quality: int = 90, name: str = "print") -> io.BytesIO:
    """Return the picture as an upload-like file."""
    buffer = io.BytesIO()
    image.save(buffer, format=format, quality=quality)
    buffer.seek(0)
    buffer.name = f"{name}.{format.lower()}"
    return buffer
