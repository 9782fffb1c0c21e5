"""Arch index of synthetic footprints drawn with Pillow, whose true index is measured on the drawing."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from catalogue.matching.footprint import InvalidFootprint, analyse_footprint, arch_type_for, otsu_threshold
from tests.matching.prints import draw_print

# angle, inverted, jpeg quality, size (two resolutions)
VARIANTS = [
    (0, False, None, (900, 1200)),
    (30, False, None, (900, 1200)),
    (-30, True, None, (900, 1200)),
    (-12, False, 60, (900, 1200)),
    (22, True, 75, (900, 1200)),
    (-30, False, 80, (2400, 3200)),
    (17, True, None, (2400, 3200)),
]


@pytest.mark.parametrize("arch", ["high", "normal", "flat"])
@pytest.mark.parametrize(("angle", "inverted", "quality", "size"), VARIANTS)
def test_arch_index_within_a_hundredth_of_the_drawn_shape(arch, angle, inverted, quality, size):
    """Rotated up to +-30 degrees, inverted, JPEG-compressed, with toes, at two resolutions: AI +-0.01, class right."""
    drawn = draw_print(
        arch,
        size=size,
        angle=angle,
        inverted=inverted,
        jpeg_quality=quality,
        supersample=2 if size[0] < 1000 else 1,
    )
    analysis = analyse_footprint(image=drawn.image, with_overlay=False)
    assert analysis.arch_index == pytest.approx(drawn.arch_index, abs=0.01)
    assert analysis.arch_type == arch
    assert analysis.chippaux_smirak == pytest.approx(drawn.chippaux_smirak, abs=3)
    assert analysis.foot_length_mm is None and analysis.width_mm is None


def test_the_truth_of_the_drawn_shapes_is_well_inside_each_class():
    """The synthetic prints are not borderline: their true indexes sit away from 0.21 and 0.26."""
    truths = {arch: draw_print(arch).arch_index for arch in ("high", "normal", "flat")}
    assert truths["high"] < 0.19 and 0.22 < truths["normal"] < 0.25 and truths["flat"] > 0.28


@pytest.mark.parametrize("angle", [0, 25])
def test_length_and_width_in_mm_with_a_scale(angle):
    """With mm_per_px, heel-to-toe length (toes included) and forefoot width come out in mm within 1 %."""
    drawn = draw_print("normal", angle=angle, jpeg_quality=85)
    analysis = analyse_footprint(image=drawn.image, mm_per_px=0.5, with_overlay=False)
    assert analysis.foot_length_mm == pytest.approx(drawn.length_px * 0.5, rel=0.01)
    assert analysis.width_mm == pytest.approx(drawn.forefoot_width_px * 0.5, rel=0.02)


def test_a_larger_picture_keeps_the_scale():
    """The working copy is reduced; lengths are still in the uploaded picture's millimetres."""
    drawn = draw_print("flat", size=(2400, 3200), supersample=1)
    analysis = analyse_footprint(image=drawn.image, mm_per_px=0.1, with_overlay=False)
    assert analysis.foot_length_mm == pytest.approx(drawn.length_px * 0.1, rel=0.01)


def test_toes_are_excluded_from_the_index():
    with_toes = analyse_footprint(image=draw_print("normal").image, with_overlay=False)
    without = analyse_footprint(image=draw_print("normal", toes=False).image, with_overlay=False)
    assert with_toes.arch_index == pytest.approx(without.arch_index, abs=0.002)


def test_the_overlay_is_a_png_of_the_print():
    analysis = analyse_footprint(image=draw_print("flat", angle=20).image)
    overlay = Image.open(__import__("io").BytesIO(analysis.overlay_png))
    assert overlay.format == "PNG" and max(overlay.size) <= 1000
    pixels = np.asarray(overlay.convert("RGB")).reshape(-1, 3)
    assert ((pixels == (235, 120, 30)).all(axis=1)).sum() > 1000  # the midfoot contact, shaded


def _canvas(size=(900, 1200), colour=235):
    return Image.new("RGB", size, (colour, colour, colour))


def test_blank_picture_is_refused():
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=_canvas())
    assert error.value.code == "invalid_footprint" and error.value.attr == "image"
    assert "Retake" in error.value.detail


def test_two_feet_are_refused():
    picture = _canvas((1600, 1200))
    left, right = draw_print("normal", size=(800, 1200)).image, draw_print("flat", size=(800, 1200)).image
    picture.paste(left, (0, 0))
    picture.paste(right, (800, 0))
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=picture)
    assert "more than one print" in error.value.detail


def test_print_cut_off_at_the_border_is_refused():
    drawn = draw_print("normal").image
    cropped = drawn.crop((0, 400, 900, 1200))  # the front of the foot is cut off
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=cropped)
    assert "edge" in error.value.detail


def test_a_speck_is_too_small_to_be_a_print():
    picture = _canvas()
    ImageDraw.Draw(picture).ellipse((400, 500, 440, 560), fill=(30, 30, 30))
    with pytest.raises(InvalidFootprint):
        analyse_footprint(image=picture)


def test_noise_without_a_print_is_refused():
    rng = np.random.default_rng(1)
    picture = Image.fromarray(rng.integers(0, 255, (600, 800), dtype=np.uint8))
    with pytest.raises(InvalidFootprint):
        analyse_footprint(image=picture)


@pytest.mark.parametrize(("index", "arch"), [(0.0, "high"), (0.21, "high"), (0.2101, "normal"), (0.2599, "normal"),
                                             (0.26, "flat"), (0.5, "flat")])  # fmt: skip
def test_class_thresholds_are_inclusive_as_specified(index, arch):
    assert arch_type_for(arch_index=index) == arch


def test_class_thresholds_are_settings(settings):
    settings.MATCHING_ARCH_INDEX_FLAT_MIN = 0.3
    assert arch_type_for(arch_index=0.28) == "normal"


def test_otsu_splits_two_peaks_between_them():
    histogram = np.zeros(256)
    histogram[40] = 1000
    histogram[220] = 3000
    assert 40 <= otsu_threshold(histogram) < 220


def _sixteen_bit(image: Image.Image) -> Image.Image:
    """The picture as a 16-bit greyscale scan (Pillow's mode I;16): each 8-bit grey g becomes g * 257."""
    return Image.fromarray(np.asarray(image.convert("L"), dtype=np.uint16) * 257)


PIXEL_FORMATS = {
    "16-bit greyscale": _sixteen_bit,
    "CMYK": lambda image: image.convert("CMYK"),
    "palette": lambda image: image.convert("P"),
    "greyscale with alpha": lambda image: image.convert("LA"),
    "RGBA": lambda image: image.convert("RGBA"),
    "1-bit": lambda image: image.convert("L").point(lambda grey: 255 if grey > 128 else 0).convert("1"),
}


@pytest.mark.parametrize("pixel_format", PIXEL_FORMATS)
def test_a_print_in_any_pixel_format_is_measured_like_the_8_bit_one(pixel_format):
    """A 16-bit scan is scaled to 8 bits, not clipped to white (which would leave no print to find)."""
    drawn = draw_print("normal")
    analysis = analyse_footprint(image=PIXEL_FORMATS[pixel_format](drawn.image), with_overlay=False)
    assert analysis.arch_index == pytest.approx(drawn.arch_index, abs=0.01)
    assert analysis.arch_type == "normal"
