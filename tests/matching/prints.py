"""Synthetic footprints drawn with Pillow, with their true arch index measured on the drawn shape."""

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

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


# --- Phone photos of a wet print on a sheet of paper ------------------------------------------------
# Drawn in millimetres on an A4 sheet (210 x 297 mm), then photographed: the sheet is turned, tilted
# (a homography), laid on a table or filling the frame, lit unevenly, shadowed, noised and compressed.
# The truth is measured on the body the test drew (heel, midfoot band and ball, toes left out), upright.

SHEET_MM = (210.0, 297.0)
# Midfoot band width (share of the body length, heel to the front of the ball) for each arch.
BAND_WIDTH = {"high": 0.07, "normal": 0.14, "flat": 0.22, "cavus": 0.0}
# The toes: offset across the axis, radius (shares of the body length); the big toe first.
TOES = ((-0.13, 0.05), (-0.04, 0.036), (0.04, 0.032), (0.1, 0.028), (0.152, 0.024))


@dataclass(frozen=True)
class DrawnPhoto:
    image: Image.Image
    arch_index: float  # measured on the drawn body (toes excluded), upright
    arch_type: str  # the class of that index (0.21 / 0.26)
    foot_length_mm: float  # heel to the tip of the longest toe, as drawn
    mm_per_px: float  # the sheet's scale in the photo at its centre (exact without tilt)


def class_for(arch_index: float) -> str:
    """Return the Cavanagh & Rodgers class of an index (written here, not taken from the code under test)."""
    return "high" if arch_index <= 0.21 else "flat" if arch_index >= 0.26 else "normal"


def _ball(arch: str) -> tuple[float, float, float]:
    """Return the ball's centre and half-lengths (along, across), as shares of the body length."""
    return (0.83, 0.17, 0.19) if arch == "cavus" else (0.8, 0.2, 0.19)


def _ball_top(arch: str, offset: float) -> float:
    centre, half_along, half_across = _ball(arch)
    return centre + half_along * math.sqrt(max(0.0, 1 - (offset / half_across) ** 2))


def _body(draw: ImageDraw.ImageDraw, *, cx: float, heel_y: float, length: float, arch: str, fill) -> None:
    """Draw the print without toes, toes up, heel's back at ``heel_y`` (a right foot: lateral side +x)."""

    def at(across, share):
        return cx + across * length, heel_y - share * length

    draw.ellipse((*at(-0.13, 0.32), *at(0.13, 0.0)), fill=fill)
    centre, half_along, half_across = _ball(arch)
    draw.ellipse((*at(-half_across, centre + half_along), *at(half_across, centre - half_along)), fill=fill)
    width = BAND_WIDTH[arch]
    if width:  # the band runs along the lateral border, from the heel to the ball
        draw.polygon(
            [at(0.125 - width, 0.2), at(0.125, 0.2), at(0.18, 0.72), at(0.18 - width, 0.72)], fill=fill
        )


def _toes(draw: ImageDraw.ImageDraw, *, cx: float, heel_y: float, length: float, arch: str, touching: bool,
          fill) -> float:  # fmt: skip
    """Draw the toes in front of the ball, apart (a gap) or touching it; return the tip's share of the length."""
    tip = 0.0
    for offset, radius in TOES:
        base = _ball_top(arch, offset) + (-0.012 if touching else 0.045)
        centre = base + radius
        tip = max(tip, centre + radius)
        x, y = cx + offset * length, heel_y - centre * length
        draw.ellipse(
            (x - radius * length, y - radius * length, x + radius * length, y + radius * length), fill=fill
        )
        if touching:  # a wet smear from the toe's pad back into the ball
            half = 0.4 * radius * length
            draw.rectangle((x - half, y, x + half, heel_y - (base - 0.02) * length), fill=fill)
    return tip


def _homography(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> list[float]:
    """Return Pillow's PERSPECTIVE coefficients mapping each ``target`` point back to its ``source`` point."""
    rows, values = [], []
    for (u, v), (x, y) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return list(np.linalg.solve(np.array(rows, dtype=float), np.array(values, dtype=float)))


def _smooth_noise(rng, shape: tuple[int, int], scale: int) -> np.ndarray:
    """Return low-frequency noise in [-1, 1]: random values on a coarse grid, enlarged smoothly."""
    coarse = rng.uniform(-1, 1, (max(2, shape[0] // scale), max(2, shape[1] // scale))).astype(np.float32)
    return np.asarray(Image.fromarray(coarse).resize((shape[1], shape[0]), Image.Resampling.BICUBIC))


def draw_photo(
    arch: str = "normal",
    *,
    size: tuple[int, int] = (1200, 1600),
    toes: str | None = "apart",
    foot_mm: float = 255.0,
    table: bool = False,
    angle: float = 0.0,
    keystone: float = 0.0,
    gradient: float = 0.0,
    shadow: float = 0.0,
    shadow_blur: float = 0.05,
    ruler: bool = False,
    coin: bool = False,
    blotches: bool = True,
    texture: float = 4.0,
    ink: int = 70,
    brightness: float = 1.0,
    crop: str | None = None,
    heel_margin_mm: float | None = None,
    second: str | None = None,
    paper_mm: tuple[float, float] | None = None,
    view_mm: float | None = None,
    jpeg_quality: int | None = 88,
    seed: int = 1,
) -> DrawnPhoto:
    """Photograph a wet print of ``arch`` on an A4 sheet; see the module's notes for the options.

    ``toes``: "apart", "touching" or None. ``table``: the whole sheet on a darker wooden table, else the
    frame shows only paper. ``keystone``: the far side of the sheet this much narrower (phone tilt).
    ``gradient``: light falling off by this share across the sheet; ``shadow``: a soft phone shadow this
    deep over the forefoot, its edge blurred over ``shadow_blur`` of the frame's height. ``crop``: "toes"
    or "heel" puts the frame's edge through that end of the foot, "ball" just in front of the ball; ``heel_margin_mm``: the paper behind
    the heel (negative: the heel runs off the sheet). ``second``: another print "beside" this one, or
    "askew" (turned 30 degrees). ``paper_mm``: the sheet's size instead of A4 or the larger sheet.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    # On a table the whole A4 sheet is in view; otherwise a larger sheet fills the frame.
    sheet_mm = paper_mm or (SHEET_MM if table else (280.0, 420.0))
    view = view_mm or (430.0 if table else 285.0)  # the sheet-plane height the frame shows, before tilt
    ppm = height / view  # photo pixels per mm at the sheet's centre
    ss = 2  # the shapes are drawn at twice the resolution, for their smooth edges and their truth
    sheet_w, sheet_h = round(sheet_mm[0] * ppm), round(sheet_mm[1] * ppm)
    # The heel's back, from the sheet's top edge (a negative margin: the heel runs off the sheet).
    if heel_margin_mm is None:  # on a table near the sheet's end, else in the middle of the sheet
        heel_margin_mm = 22 if table else (sheet_mm[1] - foot_mm) / 2
    heel_mm = sheet_mm[1] - heel_margin_mm

    body_mm = foot_mm / 1.12
    apart = {None: 0, "beside": 0.55, "askew": 0.6}[second] * body_mm * ppm * ss  # each print from the middle
    geometry = {"cx": sheet_w * ss / 2 - apart, "heel_y": heel_mm * ppm * ss, "length": body_mm * ppm * ss,
                "arch": arch}  # fmt: skip
    body_mask = Image.new("L", (sheet_w * ss, sheet_h * ss), 0)
    if foot_mm:
        _body(ImageDraw.Draw(body_mask), fill=255, **geometry)
    truth = _truth(np.asarray(body_mask) > 127)[0] if foot_mm else float("nan")  # 0: a blank sheet
    contact = body_mask
    tip_share = 1.0
    if toes and foot_mm:
        tip_share = _toes(ImageDraw.Draw(contact), touching=toes == "touching", fill=255, **geometry)
    if second:
        other = Image.new("L", contact.size, 0)
        other_geometry = {**geometry, "cx": sheet_w * ss / 2 + apart}
        _body(ImageDraw.Draw(other), fill=255, **other_geometry)
        if toes:
            _toes(ImageDraw.Draw(other), touching=toes == "touching", fill=255, **other_geometry)
        if second == "askew":
            middle = (other_geometry["cx"], geometry["heel_y"] - 0.55 * geometry["length"])
            other = other.rotate(-30, resample=Image.Resampling.BILINEAR, center=middle)
        contact = ImageChops.lighter(contact, other)
    drawn_foot_mm = tip_share * body_mm
    contact = contact.reduce(ss)
    # The wet edge: slightly soft; the ink: uneven, never as light as the paper.
    soft = np.asarray(contact.filter(ImageFilter.GaussianBlur(0.3 * ppm)), dtype=np.float32) / 255
    shape = soft.shape
    paper = 232 + texture * rng.standard_normal(shape).astype(np.float32) + 3 * _smooth_noise(rng, shape, 40)
    ink_level = ink + 22 * _smooth_noise(rng, shape, int(12 * ppm))
    sheet = paper * (1 - soft) + ink_level * soft

    overlay = Image.fromarray(np.clip(sheet, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(overlay)
    contact_pixels = np.asarray(contact)
    if blotches:  # drops and smudges of ink on the paper, away from the print
        placed = 0
        while placed < 9:
            x, y = rng.uniform(8, sheet_mm[0] - 8) * ppm, rng.uniform(8, sheet_mm[1] - 8) * ppm
            radius = rng.uniform(0.6, 3.0) * ppm
            reach = int(10 * ppm)
            if contact_pixels[
                max(0, int(y) - reach) : int(y) + reach, max(0, int(x) - reach) : int(x) + reach
            ].any():
                continue
            grey = int(rng.uniform(ink, 170))
            draw.ellipse((x - radius, y - 0.7 * radius, x + radius, y + 0.9 * radius), fill=grey)
            placed += 1
    middle = sheet_mm[0] / 2
    if ruler:  # a 150 mm plastic ruler along the medial side, with millimetre ticks
        left, start = (middle - 93) * ppm, (heel_mm - 205) * ppm
        draw.rectangle((left, start, left + 22 * ppm, start + 150 * ppm), fill=150)
        for mm in range(151):
            tick = (7 if mm % 10 == 0 else 4.5 if mm % 5 == 0 else 3) * ppm
            y = start + mm * ppm
            draw.line((left, y, left + tick, y), fill=35, width=max(1, round(0.25 * ppm)))
    if coin:  # a 23 mm coin beside the heel
        x, y, radius = (middle + 73) * ppm, (heel_mm - 28) * ppm, 11.6 * ppm
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=95)
        draw.ellipse((x - 0.8 * radius, y - 0.8 * radius, x + 0.8 * radius, y + 0.8 * radius), fill=135)
    sheet_image = overlay
    centre_mm = np.array([sheet_mm[0] / 2, heel_mm - drawn_foot_mm / 2])  # the frame centred on the foot
    # Where the sheet's corners land in the photo (turned about the frame's centre, far side narrower).
    if crop == "toes":  # the frame's top edge halfway along the toes
        centre_mm[1] = heel_mm - (body_mm + drawn_foot_mm) / 2 + view / 2
    elif crop == "ball":  # the frame's top edge 6 mm in front of the ball: the toes out of the picture
        centre_mm[1] = heel_mm - body_mm - 6 + view / 2
    elif crop == "heel":  # the frame's bottom edge 25 mm into the heel
        centre_mm[1] = heel_mm - 25 - view / 2
    turn = math.radians(angle)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    corners_mm = [(0, 0), (sheet_mm[0], 0), (sheet_mm[0], sheet_mm[1]), (0, sheet_mm[1])]
    frame_centre = np.array([width, height]) / 2
    target = []
    for corner in corners_mm:
        point = rotation @ ((np.array(corner) - centre_mm) * ppm)
        squeeze = 1 - keystone * (0.5 - (point[1] / height + 0.5))  # the far (top) side smaller
        target.append(tuple(frame_centre + point * squeeze))
    source = [(0, 0), (sheet_w, 0), (sheet_w, sheet_h), (0, sheet_h)]
    coefficients = _homography(source, target)
    photographed = sheet_image.transform(size, Image.Transform.PERSPECTIVE, coefficients,
                                         Image.Resampling.BILINEAR, fillcolor=0)  # fmt: skip
    on_sheet = Image.new("L", sheet_image.size, 255).transform(size, Image.Transform.PERSPECTIVE, coefficients,
                                                               Image.Resampling.BILINEAR, fillcolor=0)  # fmt: skip
    photo = np.asarray(photographed, dtype=np.float32)
    sheet_share = np.asarray(on_sheet, dtype=np.float32) / 255

    if table:  # wood: darker, brownish-grey grain
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
        grain = np.sin(cols / 9.0 + 6 * _smooth_noise(rng, (height, width), 60)) * 12
        wood = 105 + grain + 6 * rng.standard_normal((height, width)).astype(np.float32)
        photo = photo * sheet_share + wood * (1 - sheet_share)
    # Light: a fall-off across the frame, a soft shadow of the phone over the front of the foot.
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1 - gradient * (cols / width * 0.6 + rows / height * 0.4)
    if shadow:
        phone = Image.new("L", size, 0)
        ImageDraw.Draw(phone).rectangle((-0.2 * width, -0.1 * height, 0.55 * width, 0.42 * height), fill=255)
        phone = phone.filter(ImageFilter.GaussianBlur(shadow_blur * height))
        light = light * (1 - shadow * np.asarray(phone, dtype=np.float32) / 255)
    photo = photo * light * brightness + 2.5 * rng.standard_normal((height, width)).astype(np.float32)
    grey = np.clip(photo, 0, 255)
    rgb = np.stack([grey * 1.0, grey * 0.98, grey * 0.93], axis=2)  # a warm cast, as phones see paper
    picture = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), mode="RGB")
    if jpeg_quality:
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=jpeg_quality)
        picture = Image.open(io.BytesIO(buffer.getvalue()))
        picture.load()
    return DrawnPhoto(picture, truth, class_for(truth), round(drawn_foot_mm, 1), 1 / ppm)
