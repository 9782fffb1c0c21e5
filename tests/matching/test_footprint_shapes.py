"""Which ink is the print: one foot-shaped component, or a cavus print's heel and forefoot in line.

The pieces are drawn with Pillow on plain paper, so that only their arrangement differs.
"""

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from catalogue.matching.footprint import InvalidFootprint, analyse_footprint
from tests.matching.prints import _body

SIZE = (900, 1200)
LENGTH = 700  # the body's length in pixels (heel to the front of the ball)


def _paper():
    return Image.new("L", SIZE, 235)


def _ellipse(draw, centre, half_width, half_length, angle=0.0):
    """Draw an ellipse turned by ``angle`` degrees about its centre (as a polygon)."""
    turn = np.radians(angle)
    t = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    x, y = half_width * np.cos(t), half_length * np.sin(t)
    points = np.column_stack([centre[0] + x * np.cos(turn) - y * np.sin(turn),
                              centre[1] + x * np.sin(turn) + y * np.cos(turn)])  # fmt: skip
    draw.polygon([tuple(p) for p in points], fill=40)


def _truth(picture: Image.Image) -> float:
    """The index of a print drawn upright: the midfoot third's share of the ink, by rows."""
    mask = np.asarray(picture) < 128
    rows = np.nonzero(mask.any(axis=1))[0]
    counts = mask[rows.min() : rows.max() + 1].sum(axis=1)[::-1]
    zone = np.minimum((np.arange(counts.size) * 3 / (counts.size - 1)).astype(int), 2)
    return float(counts[zone == 1].sum() / counts.sum())


def test_a_heel_and_a_forefoot_in_line_are_one_cavus_print():
    picture = _paper()
    _body(ImageDraw.Draw(picture), cx=450, heel_y=1000, length=LENGTH, arch="cavus", fill=40)
    analysis = analyse_footprint(image=picture, with_overlay=False)
    assert analysis.geometry["pieces"] == 2
    assert analysis.arch_index == pytest.approx(_truth(picture), abs=0.01) and analysis.arch_type == "high"
    assert analysis.zone_areas_px[1] == pytest.approx(0, abs=0.01 * sum(analysis.zone_areas_px))


def test_the_same_pieces_side_by_side_are_several():
    """A heel beside a forefoot, both upright: along the pair's line the heel is wider than long."""
    picture = _paper()
    draw = ImageDraw.Draw(picture)
    _ellipse(draw, (250, 600), 0.13 * LENGTH, 0.16 * LENGTH)  # the heel
    _ellipse(draw, (620, 600), 0.17 * LENGTH, 0.19 * LENGTH)  # the forefoot
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=picture, with_overlay=False)
    assert "more than one print" in error.value.detail


def test_pieces_out_of_line_are_several():
    """The forefoot well off to the side of the heel's line (30 degrees off it): not one foot."""
    picture = _paper()
    draw = ImageDraw.Draw(picture)
    _ellipse(draw, (300, 900), 0.13 * LENGTH, 0.16 * LENGTH)
    _ellipse(draw, (640, 330), 0.19 * LENGTH, 0.17 * LENGTH)
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=picture, with_overlay=False)
    assert "more than one print" in error.value.detail


def test_two_whole_prints_at_odd_angles_are_several():
    picture = Image.new("L", (1400, 1200), 235)
    left, right = Image.new("L", (700, 1200), 0), Image.new("L", (700, 1200), 0)
    _body(ImageDraw.Draw(left), cx=350, heel_y=1000, length=650, arch="normal", fill=255)
    _body(ImageDraw.Draw(right), cx=350, heel_y=1000, length=650, arch="flat", fill=255)
    picture.paste(40, (0, 0), left.rotate(25, fillcolor=0))
    picture.paste(40, (700, 0), right.rotate(-40, fillcolor=0))
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=picture, with_overlay=False)
    assert "more than one print" in error.value.detail


def test_a_long_dark_ruler_beside_the_print_is_not_a_second_print():
    picture = _paper()
    draw = ImageDraw.Draw(picture)
    _body(draw, cx=520, heel_y=1050, length=LENGTH, arch="normal", fill=40)
    draw.rectangle((60, 200, 130, 1000), fill=30)  # 800 x 70 px: as large as a third of the print
    analysis = analyse_footprint(image=picture, with_overlay=False)
    assert analysis.geometry["pieces"] == 1 and analysis.arch_type == "normal"


def test_a_round_blot_alone_is_not_a_footprint():
    picture = _paper()
    ImageDraw.Draw(picture).ellipse((250, 350, 650, 750), fill=40)
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=picture, with_overlay=False)
    assert "could not find a footprint" in error.value.detail


def test_the_geometry_is_plain_json():
    """It is stored in a JSON field: plain floats, ints, booleans, lists and strings only."""
    picture = _paper()
    _body(ImageDraw.Draw(picture), cx=450, heel_y=1000, length=LENGTH, arch="cavus", fill=40)
    analysis = analyse_footprint(image=picture, with_overlay=False, mm_per_px=0.4)
    assert json.loads(json.dumps(analysis.geometry)) == analysis.geometry
    assert type(analysis.foot_length_mm) is float and type(analysis.arch_index) is float
