"""The overlay: the print's zones in colour, toes hatched, and a legend with the index on its scale."""

import io

import numpy as np
import pytest
from PIL import Image

from catalogue.matching.footprint import CLASS_COLOURS, ZONE_COLOURS, analyse_footprint
from tests.matching.prints import draw_photo

NOTE_COLOUR = (150, 30, 30)
MARKER = (200, 0, 0)


def _overlay(drawn) -> tuple[np.ndarray, object]:
    analysis = analyse_footprint(image=drawn.image)
    picture = Image.open(io.BytesIO(analysis.overlay_png))
    assert picture.format == "PNG" and max(picture.size) <= 1000
    return np.asarray(picture.convert("RGB")), analysis


def _count(pixels: np.ndarray, colour) -> int:
    return int((pixels == np.array(colour)).all(axis=2).sum())


def _scale_row(pixels: np.ndarray) -> int:
    """The row through the middle of the legend's scale (where all three class colours show)."""
    rows = [
        row
        for row in range(pixels.shape[0])
        if all((pixels[row] == np.array(colour)).all(axis=1).sum() > 20 for colour in CLASS_COLOURS.values())
    ]
    assert rows, "no scale in the legend"
    return rows[len(rows) // 2]


@pytest.mark.parametrize("arch", ["high", "normal", "flat"])
def test_the_scale_shows_the_thresholds_and_marks_the_index(arch):
    pixels, analysis = _overlay(draw_photo(arch, table=True, angle=10))
    row = pixels[_scale_row(pixels)]
    spans = {}
    for name, colour in CLASS_COLOURS.items():
        columns = np.nonzero((row == np.array(colour)).all(axis=1))[0]
        spans[name] = (columns.min(), columns.max())
    left, right = spans["high"][0], spans["flat"][1]
    width = right - left

    def share(column):
        return (column - left) / width

    # The bands: high up to 0.21, normal to 0.26, flat to the scale's end at 0.40.
    assert share(spans["normal"][0]) == pytest.approx(0.21 / 0.4, abs=0.015)
    assert share(spans["flat"][0]) == pytest.approx(0.26 / 0.4, abs=0.015)
    # The red marker across the bar stands at the print's index.
    marker = np.nonzero((row == np.array(MARKER)).all(axis=1))[0]
    assert marker.size and share(marker.mean()) == pytest.approx(analysis.arch_index / 0.4, abs=0.015)


def test_the_zones_have_their_colours_and_the_toes_are_hatched():
    pixels, analysis = _overlay(draw_photo("normal", toes="touching"))
    assert analysis.geometry["toes_excluded_px"] > 1000
    assert _count(pixels, ZONE_COLOURS["midfoot"]) > 1000  # the midfoot contact, solid
    with_toes = _count(pixels, ZONE_COLOURS["toes"])
    without, _ = _overlay(draw_photo("normal", toes=None))
    # The legend's swatch holds a few hatch pixels in both; the print's toes many more.
    assert with_toes > _count(without, ZONE_COLOURS["toes"]) + 500


def test_the_notes_are_written_under_the_legend():
    cut, analysis = _overlay(draw_photo("normal", crop="toes"))
    whole, _ = _overlay(draw_photo("normal"))
    assert analysis.notes
    assert _count(cut, NOTE_COLOUR) > 100 and _count(whole, NOTE_COLOUR) == 0
