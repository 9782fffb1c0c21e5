"""Measure a wet or inked footprint: arch index (Cavanagh & Rodgers 1987), Chippaux-Smirak index, size.

The picture is a phone photo or a scan of one print on a sheet of paper. The steps (``docs/matching.md``,
Footprints, says why each is as it is):

1. **The sheet.** On a small copy, the paper is the large bright region; when a darker table or floor
   shows round it (a sharp step at the paper's edge), only the paper's convex hull is used, and when
   its four corners show, the phone's tilt is undone by their homography. Inside it the light is
   estimated by a grey closing (which fills the print) and divided out, so a shadow or a fall-off of
   the light is not taken for ink.
2. **The print.** Otsu's threshold on the normalised sheet, a small opening; specks, rulers, pens and
   rings are ignored by size and shape. One foot-shaped component is the print; a heel and a forefoot
   in line with a gap between them are one high-arched (cavus) print; anything else is refused.
3. **Toes.** Separate toe blobs, and the toes that touch the print: what a disc (radius 0.17 of the
   ball's width) cannot reach from inside the print, in front of the ball (a morphological opening). They count
   for the foot's length, never for the index.
4. **Cut off.** A heel, side or ball reaching the picture's or the paper's edge is refused; toes cut
   off leave the index and lose the length.

Pillow decodes and guards (``catalogue.images.open_validated_image``); numpy and SciPy's ``ndimage`` do
the array work. The print is not resampled for the measurement (only a tilt is undone): each contact
pixel is projected onto the foot axis, so a rotated print gives the same zone areas as an upright one.
"""

import io
import math
import textwrap
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from catalogue.images import pipeline_image
from shop.exceptions import InvalidInput

METHOD = "cavanagh_rodgers_1987"
# The sheet and its light are found on a copy this small (longest side, px).
SMALL_SIDE = 400
SHEET_MIN_SHARE = 0.15  # the paper covers at least this share of the picture
TABLE_EDGE_RATIO = 0.8  # just outside / just inside the paper's edge, at most: a table (else shading)
DARK_PAPER = 60  # paper darker than this grey (0-255): the picture is too dark
SHADOW_MIN_RATIO = 0.4  # the most shaded paper keeps at least this share of the best-lit paper's light
LIGHT_WINDOW = 0.45  # the light is estimated over squares of this share of the sheet's shorter side
# Components: specks (share of the largest), non-foot objects (rulers, pens, lines; rings, outlines).
SPECK_SHARE = 0.002
OBJECT_ELONGATION = 5.5
OBJECT_FILL = 0.45
FOOT_ELONGATION = (1.6, 5.0)  # a foot's length over its width, from its second moments
# A cavus print in two pieces: the gap (share of the length), length over width, pieces off the axis.
CAVUS_GAP = (0.08, 0.5)
CAVUS_PROPORTION = (1.8, 4.5)
CAVUS_OFFSET = 0.12
CAVUS_WIDER = 1.1  # the forefoot piece at least this many times as wide as the heel piece
CAVUS_HEEL_TURN = 20  # the heel's own long axis at most this many degrees off the pair's
# Toes: blobs of at least this share of the print's area, reaching at most this share of its length in front.
TOE_MIN_SHARE = 0.002
TOE_MAX_REACH = 0.4
TOE_DISC = 0.17  # the disc that cannot reach into touching toes: radius, share of the ball's width
TOE_PROTRUSION = 0.3  # a toe stands out of the ball by at least this share of that radius
TOE_ROOM = 0.1  # paper wanted in front of the ball, share of the length, when no toe shows
HEEL_SHARE = 0.12  # an edge touching the print this near its back (share of the length) cuts the heel


class InvalidFootprint(InvalidInput):
    code = "invalid_footprint"
    default_detail = "We could not find a single footprint in this picture."

    def __init__(self, detail: str | None = None, *, attr: str = "image"):
        super().__init__(detail, attr=attr)


NO_PRINT = (
    "We could not find a footprint in this picture. Retake it with the wet or inked print on plain "
    "paper, filling most of the frame, in even light."
)
NO_SHEET = (
    "We could not find the sheet of paper in this picture. Retake it with the print on a plain light "
    "sheet that fills most of the frame."
)
TOO_DARK = (
    "The picture is too dark to see the print. Retake it in brighter, even light (daylight or a ceiling "
    "light), without the flash."
)
SHADOW = (
    "A dark shadow lies across the paper. Retake it with the light overhead or in front of you, holding "
    "the phone so that neither you nor the phone shades the sheet."
)
TOO_SMALL = (
    "The footprint is too small in the picture. Retake it closer, so the print fills most of the frame."
)
SEVERAL = (
    "The picture shows more than one print. Retake it with the print of one foot only, "
    "and nothing else dark on the paper."
)
HEEL_CUT = (
    "The heel is cut off: the print reaches the edge of the picture or of the paper at the heel. Retake "
    "it with the whole heel inside the frame and a margin of paper behind it."
)
FRONT_CUT = (
    "The front of the foot is cut off: the ball of the foot reaches the edge of the picture or of the "
    "paper. Retake it with the whole print, toes included, inside the frame and a margin of paper all round."
)
SIDE_CUT = (
    "The side of the print is cut off: it reaches the edge of the picture or of the paper. Retake it "
    "with the whole print inside the frame and a margin of paper all round."
)
TOES_CUT = (
    "The toes are cut off by the edge of the picture or of the paper, so the foot's length is not "
    "measured; the arch index is, as the heel and the ball are whole. For the length, retake it with "
    "the toes inside the frame."
)
TOES_MAY_BE_CUT = (
    "No toes show and the ball of the foot is close to the edge of the picture or of the paper, so the "
    "toes may be cut off: the foot's length is not measured. For the length, retake it with a margin of "
    "paper in front of the toes."
)


@dataclass(frozen=True)
class FootprintAnalysis:
    arch_index: float
    arch_type: str
    chippaux_smirak: float
    foot_length_mm: float | None
    width_mm: float | None
    zone_areas_px: tuple[int, int, int]  # forefoot A, midfoot B, heel C (toes excluded)
    geometry: dict  # the axis and zone lines drawn on the overlay, and the notes
    overlay_png: bytes | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()  # what the customer should know about the measurement (toes cut off)


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


def _enlarged(array: np.ndarray, shape: tuple[int, int], resample) -> np.ndarray:
    return np.asarray(Image.fromarray(array).resize((shape[1], shape[0]), resample))


@dataclass(frozen=True)
class _Shape:
    """A component's size and shape, from its pixels' second moments."""

    area: int
    centre: tuple[float, float]  # y, x
    axis: tuple[float, float]  # x, y of the long axis
    elongation: float  # long over short standard deviation
    fill: float  # the area over its moment ellipse's (1 for an ellipse, 0.95 for a rectangle)

    @classmethod
    def of(cls, ys: np.ndarray, xs: np.ndarray) -> "_Shape":
        centre_y, centre_x = ys.mean(), xs.mean()
        dy, dx = ys - centre_y, xs - centre_x
        covariance = np.array([[np.mean(dx * dx), np.mean(dx * dy)], [np.mean(dx * dy), np.mean(dy * dy)]])
        values, vectors = np.linalg.eigh(covariance)
        short, long = (max(float(v), 1 / 12) for v in values)  # a one-pixel line still has a width
        return cls(
            area=int(ys.size),
            centre=(float(centre_y), float(centre_x)),
            axis=(float(vectors[0, 1]), float(vectors[1, 1])),
            elongation=math.sqrt(long / short),
            fill=float(ys.size / (4 * math.pi * math.sqrt(long * short))),
        )

    @property
    def is_object(self) -> bool:
        """Return whether this is a ruler, pen, line, ring or outline rather than ink of a foot."""
        return self.elongation > OBJECT_ELONGATION or self.fill < OBJECT_FILL

    @property
    def is_foot_shaped(self) -> bool:
        return FOOT_ELONGATION[0] <= self.elongation <= FOOT_ELONGATION[1]


# --- 1. The sheet and its light ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Sheet:
    grey: np.ndarray  # the working copy, dark print on light paper
    inside: np.ndarray  # the paper, without the frame's outermost pixels
    normalised: np.ndarray  # grey / the estimated light, as levels 0-255 where 200 is the paper's
    on_table: bool
    inverted: bool
    rectified: bool  # the tilt undone: the working copy is the sheet seen square-on
    shaded_edge: np.ndarray  # where the paper found ends in a shadow rather than at the table


def _small_copy(grey: np.ndarray) -> np.ndarray:
    factor = max(1, math.ceil(max(grey.shape) / SMALL_SIDE))
    return np.asarray(Image.fromarray(grey).reduce(factor)) if factor > 1 else grey


def _is_inverted(small: np.ndarray) -> bool:
    """Return whether the picture is a light print on dark paper (a negative or an inverted scan).

    The frame's border shows the paper. A dark border is a table round a light sheet, or dark paper;
    it is dark paper when the largest light region is shaped like a foot and holds no dark print.
    """
    threshold = otsu_threshold(np.bincount(small.ravel(), minlength=256))
    dark = small <= threshold
    border = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    if border.mean() < 0.7:
        return False
    labels, count = ndimage.label(~dark)
    if count == 0:
        return False
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    light = labels == sizes.argmax()
    holes = int(ndimage.binary_fill_holes(light).sum()) - int(sizes.max())
    ys, xs = np.nonzero(light)
    return holes < 0.02 * sizes.max() and ys.size > 2 and _Shape.of(ys, xs).is_foot_shaped


def _convex_hull(region: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(region & ~ndimage.binary_erosion(region))
    try:
        hull = ConvexHull(np.column_stack([xs, ys]).astype(np.float64))
    except (QhullError, ValueError):
        return region
    canvas = Image.new("L", (region.shape[1], region.shape[0]), 0)
    ImageDraw.Draw(canvas).polygon([(float(xs[i]), float(ys[i])) for i in hull.vertices], fill=1, outline=1)
    return np.asarray(canvas).astype(bool)


def _on_table(small: np.ndarray, hull: np.ndarray) -> tuple[bool, np.ndarray]:
    """Return whether the region outside the paper's hull is a table, and where the hull's edge is soft.

    A soft change of light across the paper (a shadow, a fall-off) crosses the hull's edge gently;
    the edge of a sheet on a darker table is a step. Compare rings 2-4 px either side of the edge, away
    from the frame's own border. The soft stretches of the edge (just outside nearly as light as the
    paper just inside) are where a shadow, not the table, ends the paper that was found.
    """
    soft = np.zeros_like(hull)
    if (~hull).sum() < 0.03 * hull.size:
        return False, soft
    inner = ndimage.distance_transform_edt(hull)
    outer = ndimage.distance_transform_edt(~hull)
    away = np.zeros_like(hull)
    away[5:-5, 5:-5] = True
    inner_ring = away & (inner >= 2) & (inner <= 4)
    outer_ring = away & (outer >= 2) & (outer <= 4)
    if inner_ring.sum() < 20 or outer_ring.sum() < 20:
        return False, soft
    near_paper = ndimage.maximum_filter(np.where(inner_ring, small, 0), size=9)
    soft = ndimage.maximum_filter(
        (outer_ring & (small >= TABLE_EDGE_RATIO * near_paper)).view(np.uint8), size=13
    )
    on_table = float(np.median(small[outer_ring])) < TABLE_EDGE_RATIO * float(np.median(small[inner_ring]))
    return on_table, soft.view(bool)


def _sheet_corners(hull: np.ndarray) -> np.ndarray | None:
    """Return the paper's four corners (x, y; clockwise from the top left), or None if they do not show.

    The corners are the hull's points furthest out along the diagonals of its smallest bounding
    rectangle. None when the quadrilateral they make does not cover the hull (a corner in shadow or
    under something) or when one lies on the frame's border (the sheet runs out of the picture).
    """
    ys, xs = np.nonzero(hull & ~ndimage.binary_erosion(hull))
    try:
        vertices = np.column_stack([xs, ys]).astype(np.float64)[
            ConvexHull(np.column_stack([xs, ys])).vertices
        ]
    except (QhullError, ValueError):
        return None
    best = None
    for start, end in zip(vertices, np.roll(vertices, -1, axis=0), strict=True):
        angle = math.atan2(end[1] - start[1], end[0] - start[0])
        turn = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
        turned = vertices @ turn.T
        area = np.ptp(turned[:, 0]) * np.ptp(turned[:, 1])
        if best is None or area < best[0]:
            best = (area, turned)
    turned = best[1]
    corners = np.array(
        [
            vertices[np.argmax(su * turned[:, 0] + sv * turned[:, 1])]
            for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
    )
    # Clockwise on the picture (rows grow downwards), from the corner nearest its top left.
    centre = corners.mean(axis=0)
    corners = corners[np.argsort(np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0]))]
    corners = np.roll(corners, -int(np.argmin(corners.sum(axis=1))), axis=0)

    def area_of(points):
        x, y = points[:, 0], points[:, 1]
        return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))

    height, width = hull.shape
    on_border = ((corners < 2) | (corners > np.array([width, height]) - 3)).any()
    if on_border or len({tuple(c) for c in corners}) < 4 or area_of(corners) < 0.97 * area_of(vertices):
        return None
    return corners


def _perspective(source, target) -> list[float]:
    """Return Pillow's PERSPECTIVE coefficients taking each ``target`` point to its ``source`` point."""
    rows, values = [], []
    for (u, v), (x, y) in zip(source, target, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    return [
        float(c)
        for c in np.linalg.solve(np.array(rows, dtype=np.float64), np.array(values, dtype=np.float64))
    ]


def _rectified(grey: np.ndarray, corners: np.ndarray, paper: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the sheet seen square-on (the phone's tilt undone by the homography of its corners).

    The sheet becomes a rectangle with the mean lengths of its opposite sides; the paper's outermost
    pixels (its edge, blurred against the table) are left out of ``inside``.
    """
    c = corners
    width = round((np.hypot(*(c[1] - c[0])) + np.hypot(*(c[2] - c[3]))) / 2)
    height = round((np.hypot(*(c[3] - c[0])) + np.hypot(*(c[2] - c[1]))) / 2)
    coefficients = _perspective([tuple(p) for p in c], [(0, 0), (width, 0), (width, height), (0, height)])
    square = Image.fromarray(grey).transform(
        (width, height),
        Image.Transform.PERSPECTIVE,
        coefficients,
        Image.Resampling.BILINEAR,
        fillcolor=round(paper),
    )
    inside = np.ones((height, width), dtype=bool)
    margin = max(2, round(0.006 * min(width, height)))
    inside[:margin] = inside[-margin:] = False
    inside[:, :margin] = inside[:, -margin:] = False
    return np.asarray(square), inside


def _find_sheet(grey: np.ndarray) -> _Sheet:
    small = _small_copy(grey)
    low, high = np.percentile(small, (0.1, 99))
    if high < DARK_PAPER:
        raise InvalidFootprint(TOO_DARK)
    if high - low < settings.MATCHING_FOOTPRINT_MIN_CONTRAST:
        raise InvalidFootprint(NO_PRINT)
    inverted = _is_inverted(small)
    if inverted:
        grey, small = 255 - grey, 255 - small

    threshold = otsu_threshold(np.bincount(small.ravel(), minlength=256))
    labels, count = ndimage.label(ndimage.binary_opening(small > threshold))
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    if count == 0 or sizes.max() < SHEET_MIN_SHARE * small.size:
        raise InvalidFootprint(TOO_DARK if np.median(small) < DARK_PAPER else NO_SHEET)
    hull = _convex_hull(labels == sizes.argmax())
    on_table, soft_edge = _on_table(small, hull)
    corners = _sheet_corners(hull) if on_table else None
    shaded_edge = np.zeros(grey.shape, dtype=bool)
    if corners is not None:
        step = grey.shape[0] / small.shape[0]
        level = float(np.percentile(small[hull], 90))
        grey, inside = _rectified(grey, (corners + 0.5) * step - 0.5, level)
        small = _small_copy(grey)
        paper = _small_copy(inside.view(np.uint8) * 255) > 127
    else:
        paper = ndimage.binary_erosion(hull) if on_table else np.ones_like(hull)
        inside = _enlarged(paper.astype(np.uint8), grey.shape, Image.Resampling.NEAREST).astype(bool)
        if on_table:
            shaded_edge = _enlarged(soft_edge.view(np.uint8), grey.shape, Image.Resampling.NEAREST).view(bool)
        inside[[0, -1], :] = False
        inside[:, [0, -1]] = False

    # The light: a grey closing wider than the print fills it with the paper round it; a shadow or a
    # fall-off wider than the window stays, and is divided out.
    level = float(np.percentile(small[paper], 90))
    if level < DARK_PAPER:
        raise InvalidFootprint(TOO_DARK)
    rows, cols = np.nonzero(paper)
    window = max(3, round(LIGHT_WINDOW * min(np.ptp(rows) + 1, np.ptp(cols) + 1)))
    light = ndimage.grey_closing(np.where(paper, small, level).astype(np.float32), size=(window, window))
    light = ndimage.uniform_filter(light, size=max(3, window // 4))
    dim, bright = np.percentile(light[paper], (2, 98))
    if dim < SHADOW_MIN_RATIO * bright:
        raise InvalidFootprint(SHADOW)

    light = _enlarged(np.maximum(light, 1).astype(np.float32), grey.shape, Image.Resampling.BILINEAR)
    normalised = np.minimum(grey * (200 / light), 255).astype(np.uint8)
    normalised[~inside] = 200
    return _Sheet(
        grey=grey,
        inside=inside,
        normalised=normalised,
        on_table=on_table,
        inverted=inverted,
        rectified=corners is not None,
        shaded_edge=shaded_edge,
    )


# --- 2. The print ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    ys: np.ndarray  # the print's pixels (one piece, or a cavus print's two)
    xs: np.ndarray
    pieces: int
    others: list  # (ys, xs) of the other ink blobs that may be toes


def _ink(sheet: _Sheet) -> np.ndarray:
    histogram = np.bincount(sheet.normalised[sheet.inside], minlength=256)
    darkest = int(np.searchsorted(np.cumsum(histogram), 0.001 * histogram.sum()))
    paper = float(np.percentile(sheet.grey[sheet.inside][:: max(1, sheet.inside.sum() // 20000)], 90))
    if (200 - darkest) / 200 * paper < settings.MATCHING_FOOTPRINT_MIN_CONTRAST:
        raise InvalidFootprint(NO_PRINT)
    ink = ((sheet.normalised <= otsu_threshold(histogram)) & sheet.inside).view(np.uint8)
    # An opening by a 3 x 3 square (as separable minimum and maximum filters: the fast way).
    return ndimage.maximum_filter(ndimage.minimum_filter(ink, size=3), size=3).view(bool)


def _aligned_pair(first: tuple, second: tuple) -> bool:
    """Return whether two pieces are the heel and forefoot of one print with no midfoot contact.

    Each piece is compact (neither is foot-shaped on its own: two whole prints are two feet). On the
    pair's common long axis they follow each other with a gap, neither lies off the axis, and together
    they have a foot's proportions. As in a foot, the forefoot is the wider piece and the heel is at
    least as long as it is wide, its own long axis along the pair's: the same two blobs side by side,
    or one off to the side of the other's line, are not a foot.
    """
    ys, xs = np.concatenate([first[0], second[0]]), np.concatenate([first[1], second[1]])
    shape = _Shape.of(ys, xs)
    (centre_y, centre_x), (axis_x, axis_y) = shape.centre, shape.axis
    pieces = []
    for piece_ys, piece_xs in (first, second):
        along = (piece_xs - centre_x) * axis_x + (piece_ys - centre_y) * axis_y
        across = -(piece_xs - centre_x) * axis_y + (piece_ys - centre_y) * axis_x
        own = _Shape.of(piece_ys, piece_xs)
        # How far the piece's own long axis turns from the pair's (0 when the piece is round).
        turn = math.degrees(math.acos(min(1.0, abs(own.axis[0] * axis_x + own.axis[1] * axis_y))))
        turned = turn if own.elongation >= 1.1 else 0.0
        pieces.append((along.min(), along.max(), np.ptp(across) + 1, abs(across.mean()), turned))
    rear, front = sorted(pieces)
    length = front[1] - rear[0] + 1
    gap = front[0] - rear[1]
    heel, fore = sorted([rear, front], key=lambda piece: piece[2])
    return bool(
        CAVUS_GAP[0] * length <= gap <= CAVUS_GAP[1] * length
        and CAVUS_PROPORTION[0] <= length / fore[2] <= CAVUS_PROPORTION[1]
        and max(rear[3], front[3]) <= CAVUS_OFFSET * length
        and fore[2] >= CAVUS_WIDER * heel[2]
        and heel[1] - heel[0] + 1 >= heel[2]
        and heel[4] <= CAVUS_HEEL_TURN
    )


def _find_print(ink: np.ndarray) -> _Found:
    labels, count = ndimage.label(ink)
    if count == 0:
        raise InvalidFootprint(NO_PRINT)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    order = np.argsort(sizes)[::-1][: min(count, 40)]
    order = order[sizes[order] >= max(16, SPECK_SHARE * sizes[order[0]])]
    boxes = ndimage.find_objects(labels)
    blobs = []
    for label in order:
        box = boxes[label - 1]
        ys, xs = np.nonzero(labels[box] == label)
        ys, xs = ys.astype(np.float64) + box[0].start, xs.astype(np.float64) + box[1].start
        shape = _Shape.of(ys, xs)
        if not shape.is_object:
            blobs.append((ys, xs, shape))
    if not blobs:
        raise InvalidFootprint(NO_PRINT)
    largest = blobs[0][2].area
    if largest < settings.MATCHING_FOOTPRINT_MIN_AREA * ink.size:
        raise InvalidFootprint(TOO_SMALL if blobs[0][2].is_foot_shaped else NO_PRINT)
    large = [blob for blob in blobs if blob[2].area > settings.MATCHING_FOOTPRINT_SECOND_BLOB_MAX * largest]
    if len(large) == 1:
        if not large[0][2].is_foot_shaped:
            raise InvalidFootprint(NO_PRINT)
        pieces = large
    elif (
        len(large) == 2
        and not any(blob[2].is_foot_shaped for blob in large)
        and _aligned_pair(large[0][:2], large[1][:2])
    ):
        pieces = large
    else:
        raise InvalidFootprint(SEVERAL)
    return _Found(
        ys=np.concatenate([blob[0] for blob in pieces]),
        xs=np.concatenate([blob[1] for blob in pieces]),
        pieces=len(pieces),
        others=[blob[:2] for blob in blobs[len(pieces) :]],
    )


# --- 3. Toes that touch the print --------------------------------------------------------------------


def _touching_toes(ys, xs, along, *, ball: float, radius: float, area: int) -> np.ndarray:
    """Return which of the print's pixels are toes joined to it, in front of the ball.

    A morphological opening with a disc of ``radius`` keeps the ball (its front is a broad curve) and
    removes what the disc cannot reach from inside the print: the toe pads and the necks or smears that
    join them to it. A removed part is a toe when it stands out of the ball, not when it is a ragged edge.
    """
    toes = np.zeros(ys.size, dtype=bool)
    front = along >= ball - 2 * radius
    if radius < 2 or not front.any():
        return toes
    # On cells of ``step`` pixels (the disc's radius stays 32 cells or more): the same shapes, faster.
    step = max(1, int(radius // 32))
    pad = math.ceil(radius / step) + 2
    rows, cols = ys[front].astype(np.intp) // step, xs[front].astype(np.intp) // step
    rows, cols = rows - rows.min() + pad, cols - cols.min() + pad
    shape = (rows.max() + pad + 1, cols.max() + pad + 1)
    cells = rows * shape[1] + cols
    hits = np.bincount(cells, minlength=shape[0] * shape[1])
    crop = (hits > 0).reshape(shape)  # every pixel's cell, so that no pixel escapes the decision
    radius /= step
    core = ndimage.distance_transform_edt(crop) > radius
    if not core.any():
        return toes
    from_core = ndimage.distance_transform_edt(~core)
    in_front = along[front] >= ball
    ahead = (np.bincount(cells[in_front], minlength=hits.size) > 0).reshape(shape)
    removed = crop & ahead & (from_core > radius)
    parts, count = ndimage.label(removed, structure=np.ones((3, 3), bool))
    if count == 0:
        return toes
    stands_out = np.zeros(count + 1)
    np.maximum.at(stands_out, parts[removed], from_core[removed] - radius)
    part_of = parts.ravel()[cells] * in_front
    large = np.bincount(part_of, minlength=count + 1) >= TOE_MIN_SHARE * area
    keep = (stands_out >= TOE_PROTRUSION * radius) & large
    keep[0] = False
    toes[np.nonzero(front)[0]] = keep[part_of]
    return toes


# --- Measuring ---------------------------------------------------------------------------------------


def _touching_edge(inside: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Return which of these pixels lie within 2 px of the picture's or the paper's edge."""
    rows, cols = ys.astype(np.intp), xs.astype(np.intp)
    top, left = max(0, rows.min() - 3), max(0, cols.min() - 3)
    crop = inside[top : rows.max() + 4, left : cols.max() + 4]
    # ``inside`` is False on the frame's outermost pixels, so the frame's edge counts as one.
    near = ndimage.minimum_filter(crop.view(np.uint8), size=5, mode="constant", cval=1) == 0
    return near[rows - top, cols - left]


def analyse_footprint(
    *, image: Image.Image, mm_per_px: float | None = None, with_overlay: bool = True
) -> FootprintAnalysis:
    """Measure the single footprint in a photo or scan, or raise ``InvalidFootprint`` saying what to retake.

    ``mm_per_px`` is the scale of the picture as given (not of the working copy).
    """
    grey, factor = _working_grey(image)
    sheet = _find_sheet(grey)
    height, width = sheet.grey.shape
    found = _find_print(_ink(sheet))
    ys, xs = found.ys, found.xs

    shape = _Shape.of(ys, xs)
    (centre_y, centre_x), (axis_x, axis_y) = shape.centre, shape.axis
    dy, dx = ys - centre_y, xs - centre_x
    along = dx * axis_x + dy * axis_y
    across = -dx * axis_y + dy * axis_x

    # Heel at the low end: the forefoot is the wider end of the print.
    low, high = along.min(), along.max()
    third = (high - low) / 3
    if np.ptp(across[along < low + third]) > np.ptp(across[along > high - third]):
        along, across, axis_x, axis_y = -along, -across, -axis_x, -axis_y
        low, high = -high, -low

    # The ball: the widest strip across the front half (1-pixel strips, smoothed over 1 % of the length).
    strip = (along - low).astype(np.intp)
    counts = np.bincount(strip)
    smoothing = max(3, round(0.01 * counts.size) | 1)
    profile = np.convolve(counts, np.ones(smoothing) / smoothing, mode="same")
    half = counts.size // 2
    ball = low + half + int(np.argmax(profile[half:]))
    toes = _touching_toes(
        ys, xs, along, ball=ball, radius=TOE_DISC * float(profile[half:].max()), area=int(ys.size)
    )
    body = ~toes
    front = float(along[body].max())
    length_px = front - low
    third = length_px / 3

    # Toes apart from the print: blobs in front of it, within the forefoot's width.
    fore_across = across[body & (along > front - third)]
    fore_width_px = float(np.ptp(fore_across)) + 1
    toe_front = float(along[toes].max()) if toes.any() else front
    separate_toes = []
    for blob_ys, blob_xs in found.others:
        if blob_ys.size < TOE_MIN_SHARE * ys.size:
            break
        blob_along = (blob_xs - centre_x) * axis_x + (blob_ys - centre_y) * axis_y
        blob_across = -(blob_xs - centre_x) * axis_y + (blob_ys - centre_y) * axis_x
        in_front = (
            blob_along.mean() > front - third / 2 and blob_along.max() < front + TOE_MAX_REACH * length_px
        )
        beside = (
            fore_across.min() - 0.1 * fore_width_px
            < blob_across.mean()
            < fore_across.max() + 0.1 * fore_width_px
        )
        if in_front and beside:
            separate_toes.append((blob_ys, blob_xs))
            toe_front = max(toe_front, float(blob_along.max()))

    # Cut off: which part of the print reaches the edge of the picture or of the paper.
    touching = _touching_edge(sheet.inside, ys, xs)
    notes = []
    if touching.any():
        if sheet.shaded_edge[ys[touching].astype(np.intp), xs[touching].astype(np.intp)].any():
            raise InvalidFootprint(SHADOW)
        where = along[touching] - low
        if (where < HEEL_SHARE * length_px).any():
            raise InvalidFootprint(HEEL_CUT)
        body_touching = where[body[touching]]
        if body_touching.size:
            raise InvalidFootprint(FRONT_CUT if (body_touching > 2 * third).any() else SIDE_CUT)
    toes_cut = bool(touching[toes].any()) or any(
        _touching_edge(sheet.inside, blob_ys, blob_xs).any() for blob_ys, blob_xs in separate_toes
    )
    if toes_cut:
        notes.append(TOES_CUT)
    elif not toes.any() and not separate_toes and not _room_in_front(
        sheet.inside, centre=(centre_y, centre_x), axis=(axis_x, axis_y), front=front,
        reach=TOE_ROOM * length_px, across=(float(fore_across.min()), float(fore_across.max())),
    ):  # fmt: skip
        notes.append(TOES_MAY_BE_CUT)

    # The index: the print without toes, its length (heel to the front of the ball) in thirds.
    body_along = along[body]
    zone = np.minimum(((body_along - low) * (3 / length_px)).astype(np.intp), 2)  # 0 heel, 1 mid, 2 fore
    heel_area, mid_area, fore_area = (int(n) for n in np.bincount(zone, minlength=3))
    arch_index = mid_area / (heel_area + mid_area + fore_area)

    # Contact width along the axis, in 1-pixel strips (smoothed over 3 strips against aliasing).
    body_strip = (body_along - low).astype(np.intp)
    widths = np.convolve(np.bincount(body_strip, minlength=int(length_px) + 1), np.ones(3) / 3, mode="same")
    strip_zone = np.minimum((np.arange(widths.size) * (3 / length_px)).astype(np.intp), 2)
    mid_widths = widths[(strip_zone == 1)][1:-1]
    fore_widest = widths[strip_zone == 2].max()
    chippaux_smirak = 100 * float(mid_widths.min() if mid_widths.size else 0) / float(fore_widest)

    scale = mm_per_px * factor if mm_per_px else None
    measured_length = scale and not notes
    # In working-copy pixels ("size"); along the axis from the centre, heel first.
    geometry = {
        "size": [width, height],
        "centre": [float(centre_x), float(centre_y)],
        "axis": [float(axis_x), float(axis_y)],
        "heel": float(low),
        "midfoot_starts": float(low + third),
        "forefoot_starts": float(low + 2 * third),
        "front": front,
        "toes_front": float(toe_front),
        "half_width": float(np.abs(across).max()),
        "toes_excluded_px": int(toes.sum()) + sum(int(blob[0].size) for blob in separate_toes),
        "pieces": int(found.pieces),
        "on_table": bool(sheet.on_table),
        "inverted": bool(sheet.inverted),
        "rectified": bool(sheet.rectified),
        "notes": list(notes),
    }
    analysis = FootprintAnalysis(
        arch_index=round(float(arch_index), 4),
        arch_type=arch_type_for(arch_index=arch_index),
        chippaux_smirak=round(float(chippaux_smirak), 1),
        foot_length_mm=round(float(toe_front - low + 1) * scale, 1) if measured_length else None,
        width_mm=round(fore_width_px * scale, 1) if scale else None,
        zone_areas_px=(fore_area, mid_area, heel_area),
        geometry=geometry,
        notes=tuple(notes),
    )
    if not with_overlay:
        return analysis
    body_ys, body_xs = ys[body].astype(np.intp), xs[body].astype(np.intp)
    toe_ys = np.concatenate([ys[toes]] + [blob[0] for blob in separate_toes]).astype(np.intp)
    toe_xs = np.concatenate([xs[toes]] + [blob[1] for blob in separate_toes]).astype(np.intp)
    overlay = render_overlay(
        grey=sheet.grey,
        analysis=analysis,
        zones={
            "forefoot": (body_ys[zone == 2], body_xs[zone == 2]),
            "midfoot": (body_ys[zone == 1], body_xs[zone == 1]),
            "heel": (body_ys[zone == 0], body_xs[zone == 0]),
            "toes": (toe_ys, toe_xs),
        },
    )
    return FootprintAnalysis(**{**analysis.__dict__, "overlay_png": overlay})


def _room_in_front(inside: np.ndarray, *, centre, axis, front: float, reach: float, across) -> bool:
    """Return whether there is paper for toes in front of the ball (``reach`` along, the ball's width)."""
    (centre_y, centre_x), (axis_x, axis_y) = centre, axis
    steps_along = np.linspace(front, front + reach, 6)
    steps_across = np.linspace(across[0], across[1], 7)
    a, c = np.meshgrid(steps_along, steps_across)
    xs = np.round(centre_x + a * axis_x - c * axis_y).astype(np.intp)
    ys = np.round(centre_y + a * axis_y + c * axis_x).astype(np.intp)
    within = (ys >= 0) & (ys < inside.shape[0]) & (xs >= 0) & (xs < inside.shape[1])
    return bool(within.all() and inside[ys, xs].all())


# --- The overlay -------------------------------------------------------------------------------------

ZONE_COLOURS = {  # drawn over the print; the midfoot solid (its share of the contact is the index)
    "forefoot": (40, 90, 200),
    "midfoot": (235, 120, 30),
    "heel": (30, 150, 90),
    "toes": (150, 150, 150),
}
CLASS_COLOURS = {"high": (170, 200, 240), "normal": (180, 225, 180), "flat": (245, 200, 160)}
SCALE_END = 0.4  # the legend's scale runs from 0 to this index
INK = (20, 20, 20)


def _point(geometry: dict, along: float, across: float, scale: float, offset) -> tuple[float, float]:
    (cx, cy), (ax, ay) = geometry["centre"], geometry["axis"]
    return (
        (cx + along * ax - across * ay - offset[0]) * scale,
        (cy + along * ay + across * ax - offset[1]) * scale,
    )


def render_overlay(*, grey: np.ndarray, analysis: FootprintAnalysis, zones: dict) -> bytes:
    """Return a PNG of the print with its zones, the axis and zone lines, and a legend below it.

    The legend: the index on the 0.21 / 0.26 scale, what each colour means, and the notes.
    """
    g = analysis.geometry
    # The print with a margin, so that the picture is about the foot and not the table.
    length = g["toes_front"] - g["heel"]
    corners = [
        _point(g, along, across, 1, (0, 0))
        for along in (g["heel"], g["toes_front"])
        for across in (-g["half_width"], g["half_width"])
    ]
    margin = 0.12 * length
    left = max(0, int(min(x for x, _ in corners) - margin))
    top = max(0, int(min(y for _, y in corners) - margin))
    right = min(grey.shape[1], int(max(x for x, _ in corners) + margin) + 1)
    bottom = min(grey.shape[0], int(max(y for _, y in corners) + margin) + 1)
    side = settings.MATCHING_FOOTPRINT_OVERLAY_SIDE
    legend = _legend(analysis, width=min(side, 680))
    scale = min(1.0, (side - legend.height) / (bottom - top), side / (right - left))
    picture = Image.fromarray(grey[top:bottom, left:right])
    if scale < 1:
        picture = picture.resize(
            (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
            Image.Resampling.BILINEAR,
        )
    # The zones painted at the overlay's own size, so that their colours stay exact.
    rgb = np.repeat(np.asarray(picture)[:, :, None], 3, axis=2)

    def at(where):
        ys = np.minimum(((where[0] - top) * scale).astype(np.intp), rgb.shape[0] - 1)
        xs = np.minimum(((where[1] - left) * scale).astype(np.intp), rgb.shape[1] - 1)
        return ys, xs

    for name in ("forefoot", "heel"):
        where = at(zones[name])
        rgb[where] = (rgb[where] * 0.5 + np.array(ZONE_COLOURS[name]) * 0.5).astype(np.uint8)
    toe_ys, toe_xs = at(zones["toes"])
    hatch = (toe_ys + toe_xs) % 8 < 3
    rgb[toe_ys, toe_xs] = (rgb[toe_ys, toe_xs] * 0.3 + 255 * 0.7).astype(np.uint8)
    rgb[toe_ys[hatch], toe_xs[hatch]] = np.array(ZONE_COLOURS["toes"], dtype=np.uint8)
    rgb[at(zones["midfoot"])] = np.array(ZONE_COLOURS["midfoot"], dtype=np.uint8)
    picture = Image.fromarray(rgb)
    draw = ImageDraw.Draw(picture)
    reach = g["half_width"] * 1.15
    line = max(2, round(max(picture.size) / 400))
    offset = (left, top)
    draw.line(
        [_point(g, g["heel"], 0, scale, offset), _point(g, g["toes_front"], 0, scale, offset)],
        fill=(200, 0, 0),
        width=line,
    )
    for name in ("heel", "midfoot_starts", "forefoot_starts", "front"):
        draw.line(
            [_point(g, g[name], -reach, scale, offset), _point(g, g[name], reach, scale, offset)],
            fill=INK,
            width=line,
        )
    font = ImageFont.load_default(size=max(14, round(legend.width / 28)))
    third = (g["front"] - g["heel"]) / 3
    for letter, middle in (
        ("C", g["heel"] + third / 2),
        ("B", g["heel"] + 1.5 * third),
        ("A", g["front"] - third / 2),
    ):
        x, y = _point(g, middle, reach * 1.1, scale, offset)
        x, y = min(max(x, 12), picture.width - 12), min(max(y, 12), picture.height - 12)
        draw.text(
            (x, y), letter, fill=INK, font=font, anchor="mm", stroke_width=2, stroke_fill=(255, 255, 255)
        )

    canvas = Image.new(
        "RGB", (max(picture.width, legend.width), picture.height + legend.height), (255, 255, 255)
    )
    canvas.paste(picture, ((canvas.width - picture.width) // 2, 0))
    canvas.paste(legend, (0, picture.height))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def _legend(analysis: FootprintAnalysis, *, width: int) -> Image.Image:
    """Return the legend: the index on the 0.21 / 0.26 scale, what each colour means, the notes."""
    size = max(14, round(width / 28))
    font = ImageFont.load_default(size=size)
    small = ImageFont.load_default(size=max(11, round(size * 0.75)))
    pad = round(size * 0.8)
    line = round(small.size * 1.25)
    notes = [
        text
        for note in analysis.notes
        for text in textwrap.wrap(note, width=int(1.9 * (width - 2 * pad) / small.size))
    ]
    height = pad + round(size * 2.1) + round(size * 2.7) + round(size * 1.6) + len(notes) * line + pad
    legend = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(legend)
    y = pad // 2
    draw.text(
        (pad, y), f"Arch index {analysis.arch_index:.3f}: {analysis.arch_type} arch", fill=INK, font=font
    )
    y += round(size * 1.25)
    draw.text((pad, y), "B / (A + B + C), toes excluded (Cavanagh & Rodgers 1987)", fill=INK, font=small)

    # The scale: high up to 0.21, normal, flat from 0.26; the print's index marked.
    y += round(size * 2.1)
    bar_left, bar_right, bar_height = 2 * pad, width - 2 * pad, round(size * 0.9)
    high_max, flat_min = settings.MATCHING_ARCH_INDEX_HIGH_MAX, settings.MATCHING_ARCH_INDEX_FLAT_MIN

    def x_of(index: float) -> float:
        return bar_left + (bar_right - bar_left) * min(max(index, 0.0), SCALE_END) / SCALE_END

    for name, start, end in (
        ("high", 0.0, high_max),
        ("normal", high_max, flat_min),
        ("flat", flat_min, SCALE_END),
    ):
        draw.rectangle((x_of(start), y, x_of(end), y + bar_height), fill=CLASS_COLOURS[name], outline=INK)
        draw.text(
            ((x_of(start) + x_of(end)) / 2, y + bar_height / 2), name, fill=INK, font=small, anchor="mm"
        )
    for value in (0.0, high_max, flat_min, SCALE_END):
        draw.text((x_of(value), y + bar_height + 2), f"{value:.2f}", fill=INK, font=small, anchor="mt")
    marker = x_of(analysis.arch_index)
    draw.line((marker, y - 4, marker, y + bar_height + 4), fill=(200, 0, 0), width=3)
    draw.polygon([(marker - 7, y - 12), (marker + 7, y - 12), (marker, y - 2)], fill=(200, 0, 0))

    # What each colour means.
    y += bar_height + round(size * 1.8)
    x = pad
    for name, label in (
        ("forefoot", "A forefoot"),
        ("midfoot", "B midfoot"),
        ("heel", "C heel"),
        ("toes", "toes (excluded)"),
    ):
        box = (x, y, x + size, y + size)
        if name == "toes":
            draw.rectangle(box, fill=(235, 235, 235), outline=INK)
            for step in range(0, 2 * size, 6):
                draw.line((x + max(0, step - size), y + min(step, size), x + min(step, size), y + max(0, step - size)),
                          fill=ZONE_COLOURS["toes"], width=2)  # fmt: skip
        else:
            draw.rectangle(box, fill=ZONE_COLOURS[name], outline=INK)
        draw.text((x + size + 6, y + size / 2), label, fill=INK, font=small, anchor="lm")
        x += size + 12 + round(draw.textlength(label, font=small)) + pad
    y += round(size * 1.6)
    for text in notes:
        draw.text((pad, y), text, fill=(150, 30, 30), font=small)
        y += line
    return legend
