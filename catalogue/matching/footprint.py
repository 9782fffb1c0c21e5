"""Measure a wet or inked footprint: arch index (Cavanagh & Rodgers 1987), Chippaux-Smirak index, size.

Pillow decodes and guards (``catalogue.images.open_validated_image``, which also brings every picture
to 8-bit L, RGB or RGBA, 16-bit prints scaled rather than clipped); numpy and SciPy's ``ndimage`` do
the array work: Otsu threshold, connected components (``ndimage.label``), the long axis from the
print's second moments. The print is never resampled for the measurement: each contact pixel is
projected onto the foot axis, so a rotated print gives the same zone areas as an upright one.
"""

import io
import math
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from catalogue.images import pipeline_image
from shop.exceptions import InvalidInput

METHOD = "cavanagh_rodgers_1987"
# Toes: blobs of at least this share of the print's area, reaching at most this share of its length in front.
TOE_MIN_SHARE = 0.002
TOE_MAX_REACH = 0.4


class InvalidFootprint(InvalidInput):
    code = "invalid_footprint"
    default_detail = "We could not find a single footprint in this picture."

    def __init__(self, detail: str | None = None, *, attr: str = "image"):
        super().__init__(detail, attr=attr)


NO_PRINT = (
    "We could not find a footprint in this picture. Retake it with the wet or inked print on plain "
    "paper, filling most of the frame, in even light."
)
TOO_SMALL = (
    "The footprint is too small in the picture. Retake it closer, so the print fills most of the frame."
)
SEVERAL = (
    "The picture shows more than one print. Retake it with the print of one foot only, "
    "and nothing else dark on the paper."
)
AT_BORDER = (
    "The print touches the edge of the picture, so part of it may be cut off. Retake it with the whole "
    "print inside the frame and a margin of paper all round."
)


@dataclass(frozen=True)
class FootprintAnalysis:
    arch_index: float
    arch_type: str
    chippaux_smirak: float
    foot_length_mm: float | None
    width_mm: float | None
    zone_areas_px: tuple[int, int, int]  # forefoot A, midfoot B, heel C (toes excluded)
    geometry: dict  # the axis and zone lines drawn on the overlay
    overlay_png: bytes | None = field(default=None, repr=False)


def arch_type_for(*, arch_index: float) -> str:
    """Return the arch class for an arch index (thresholds are settings)."""
    if arch_index <= settings.MATCHING_ARCH_INDEX_HIGH_MAX:
        return "high"
    if arch_index >= settings.MATCHING_ARCH_INDEX_FLAT_MIN:
        return "flat"
    return "normal"


def otsu_threshold(histogram: np.ndarray) -> int:
    """Return the grey level that best splits a 256-bin histogram in two (Otsu 1979); dark is <= it."""
    counts = histogram.astype(np.float64)
    total = counts.sum()
    levels = np.arange(counts.size, dtype=np.float64)
    weight_dark = np.cumsum(counts)
    weight_light = total - weight_dark
    mass_dark = np.cumsum(counts * levels)
    mean_total = mass_dark[-1] / total
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_total * weight_dark - mass_dark) ** 2 / (weight_dark * weight_light)
    return int(np.argmax(np.nan_to_num(between, nan=0.0, posinf=0.0)))


def _working_grey(image: Image.Image) -> tuple[np.ndarray, int]:
    grey = pipeline_image(image)  # already done for an upload; a no-op then
    if grey.mode != "L":
        grey = grey.convert("L")
    factor = max(1, math.ceil(max(grey.size) / settings.MATCHING_FOOTPRINT_WORK_SIDE))
    if factor > 1:
        grey = grey.reduce(factor)
    return np.asarray(grey), factor


def _print_mask(grey: np.ndarray) -> np.ndarray:
    histogram = np.bincount(grey.ravel(), minlength=256)
    cumulative = np.cumsum(histogram) / grey.size
    low, high = int(np.searchsorted(cumulative, 0.01)), int(np.searchsorted(cumulative, 0.99))
    if high - low < settings.MATCHING_FOOTPRINT_MIN_CONTRAST:
        raise InvalidFootprint(NO_PRINT)
    threshold = otsu_threshold(histogram)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    # The paper is what the edges show: a light border means a dark print, and the other way round.
    if np.median(border) > threshold:
        return grey <= threshold
    return grey > threshold


def _components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels, count = ndimage.label(mask)
    if count == 0:
        raise InvalidFootprint(NO_PRINT)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    order = np.argsort(sizes[1:])[::-1] + 1
    largest = sizes[order[0]]
    if largest < settings.MATCHING_FOOTPRINT_MIN_AREA * mask.size:
        raise InvalidFootprint(TOO_SMALL)
    if count > 1 and sizes[order[1]] > settings.MATCHING_FOOTPRINT_SECOND_BLOB_MAX * largest:
        raise InvalidFootprint(SEVERAL)
    return labels, sizes, order


def _pixels(labels: np.ndarray, label: int, box: tuple[slice, slice]) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(labels[box] == label)
    return ys.astype(np.float64) + box[0].start, xs.astype(np.float64) + box[1].start


def analyse_footprint(
    *, image: Image.Image, mm_per_px: float | None = None, with_overlay: bool = True
) -> FootprintAnalysis:
    """Measure the single footprint in an upright picture, or raise ``InvalidFootprint``.

    ``mm_per_px`` is the scale of the picture as given (not of the working copy).
    """
    grey, factor = _working_grey(image)
    height, width = grey.shape
    labels, sizes, order = _components(_print_mask(grey))
    print_label = int(order[0])
    boxes = ndimage.find_objects(labels)
    box = boxes[print_label - 1]
    if box[0].start == 0 or box[1].start == 0 or box[0].stop == height or box[1].stop == width:
        raise InvalidFootprint(AT_BORDER)

    ys, xs = _pixels(labels, print_label, box)
    centre_y, centre_x = ys.mean(), xs.mean()
    dy, dx = ys - centre_y, xs - centre_x
    covariance = np.array([[np.mean(dx * dx), np.mean(dx * dy)], [np.mean(dx * dy), np.mean(dy * dy)]])
    _, vectors = np.linalg.eigh(covariance)
    axis_x, axis_y = vectors[:, 1]  # the long axis: the largest eigenvalue comes last
    along = dx * axis_x + dy * axis_y
    across = -dx * axis_y + dy * axis_x

    # Heel at the low end: the forefoot is the wider end of the print.
    low, high = along.min(), along.max()
    third = (high - low) / 3
    near_low = across[along < low + third]
    near_high = across[along > high - third]
    if np.ptp(near_low) > np.ptp(near_high):
        along, across, axis_x, axis_y = -along, -across, -axis_x, -axis_y
        low, high = -high, -low
    length_px = high - low
    zone = np.minimum(((along - low) * (3 / length_px)).astype(np.intp), 2)  # 0 heel, 1 midfoot, 2 forefoot
    heel_area, mid_area, fore_area = (int(n) for n in np.bincount(zone, minlength=3))
    arch_index = mid_area / (heel_area + mid_area + fore_area)

    # Contact width along the axis, in 1-pixel strips (smoothed over 3 strips against aliasing).
    strip = (along - low).astype(np.intp)
    widths = np.convolve(np.bincount(strip, minlength=int(length_px) + 1), np.ones(3) / 3, mode="same")
    strip_zone = np.minimum((np.arange(widths.size) * (3 / length_px)).astype(np.intp), 2)
    mid_widths = widths[(strip_zone == 1)][1:-1]
    fore_widest = widths[strip_zone == 2].max()
    chippaux_smirak = 100 * float(mid_widths.min() if mid_widths.size else 0) / float(fore_widest)
    fore_across = across[zone == 2]
    fore_width_px = float(np.ptp(fore_across)) + 1

    # Toes: the separate blobs just in front of the print count for the foot's length.
    front = high
    for label in order[1:]:
        if sizes[label] < TOE_MIN_SHARE * ys.size:
            break
        toe_y, toe_x = _pixels(labels, int(label), boxes[label - 1])
        toe_along = (toe_x - centre_x) * axis_x + (toe_y - centre_y) * axis_y
        toe_across = -(toe_x - centre_x) * axis_y + (toe_y - centre_y) * axis_x
        in_front = toe_along.mean() > high - third / 2 and toe_along.max() < high + TOE_MAX_REACH * length_px
        beside = (
            fore_across.min() - 0.1 * fore_width_px
            < toe_across.mean()
            < fore_across.max() + 0.1 * fore_width_px
        )
        if in_front and beside:
            front = max(front, float(toe_along.max()))

    scale = mm_per_px * factor if mm_per_px else None
    # In working-copy pixels ("size"); along the axis from the centre, heel first.
    geometry = {
        "size": [width, height],
        "centre": [float(centre_x), float(centre_y)],
        "axis": [float(axis_x), float(axis_y)],
        "heel": float(low),
        "midfoot_starts": float(low + third),
        "forefoot_starts": float(low + 2 * third),
        "front": float(high),
        "toes_front": float(front),
        "half_width": float(np.abs(across).max()),
    }
    analysis = FootprintAnalysis(
        arch_index=round(arch_index, 4),
        arch_type=arch_type_for(arch_index=arch_index),
        chippaux_smirak=round(chippaux_smirak, 1),
        foot_length_mm=round((front - low + 1) * scale, 1) if scale else None,
        width_mm=round(fore_width_px * scale, 1) if scale else None,
        zone_areas_px=(fore_area, mid_area, heel_area),
        geometry=geometry,
    )
    if not with_overlay:
        return analysis
    midfoot = zone == 1
    overlay = render_overlay(
        grey=grey,
        analysis=analysis,
        contact=(ys.astype(np.intp), xs.astype(np.intp)),
        midfoot=(ys[midfoot].astype(np.intp), xs[midfoot].astype(np.intp)),
    )
    return FootprintAnalysis(**{**analysis.__dict__, "overlay_png": overlay})


def _point(geometry: dict, along: float, across: float, scale: float) -> tuple[float, float]:
    (cx, cy), (ax, ay) = geometry["centre"], geometry["axis"]
    return ((cx + along * ax - across * ay) * scale, (cy + along * ay + across * ax) * scale)


def render_overlay(*, grey: np.ndarray, analysis: FootprintAnalysis, contact, midfoot) -> bytes:
    """Return a PNG of the print with the foot axis, the three zones, the midfoot contact and the index."""
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    rgb[contact] = (rgb[contact] * 0.5 + np.array([40, 90, 160]) * 0.5).astype(np.uint8)
    rgb[midfoot] = np.array([235, 120, 30], dtype=np.uint8)
    picture = Image.fromarray(rgb)
    scale = min(1.0, settings.MATCHING_FOOTPRINT_OVERLAY_SIDE / max(picture.size))
    if scale < 1:
        picture = picture.resize(
            (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
            Image.Resampling.BILINEAR,
        )
    draw = ImageDraw.Draw(picture)
    g = analysis.geometry
    reach = g["half_width"] * 1.15
    line = max(2, round(picture.width / 300))
    draw.line(
        [_point(g, g["heel"], 0, scale), _point(g, g["toes_front"], 0, scale)], fill=(200, 0, 0), width=line
    )
    for name in ("heel", "midfoot_starts", "forefoot_starts", "front"):
        draw.line(
            [_point(g, g[name], -reach, scale), _point(g, g[name], reach, scale)],
            fill=(20, 20, 20),
            width=line,
        )
    font = ImageFont.load_default(size=max(14, picture.width // 28))
    third = (g["front"] - g["heel"]) / 3
    for letter, middle in (
        ("C", g["heel"] + third / 2),
        ("B", g["heel"] + 1.5 * third),
        ("A", g["front"] - third / 2),
    ):
        draw.text(_point(g, middle, reach * 1.1, scale), letter, fill=(20, 20, 20), font=font, anchor="mm")
    label = f"Arch index {analysis.arch_index:.3f} ({analysis.arch_type} arch)"
    box = draw.textbbox((10, 10), label, font=font)
    draw.rectangle((box[0] - 6, box[1] - 6, box[2] + 6, box[3] + 6), fill=(255, 255, 255))
    draw.text((10, 10), label, fill=(20, 20, 20), font=font)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
