"""Footprints from realistic phone photos (drawn in ``tests/matching/prints.py``).

Each photo is either measured (the arch index within 0.01 of the index of the body the test drew, toes
left out, and the right class) or refused with a sentence that names its problem and what to retake.
"""

import math

import pytest

from catalogue.matching.footprint import InvalidFootprint, analyse_footprint
from tests.matching.prints import class_for, draw_photo

ARCHES = ["high", "normal", "flat"]


def _measured(drawn, **options):
    analysis = analyse_footprint(image=drawn.image, with_overlay=False, **options)
    assert analysis.arch_index == pytest.approx(drawn.arch_index, abs=0.01)
    assert analysis.arch_type == drawn.arch_type
    return analysis


def _refused(drawn) -> str:
    with pytest.raises(InvalidFootprint) as error:
        analyse_footprint(image=drawn.image, with_overlay=False)
    assert error.value.code == "invalid_footprint" and error.value.attr == "image"
    assert "Retake" in error.value.detail or "retake" in error.value.detail
    return error.value.detail


def test_the_drawn_truths_sit_well_inside_their_classes():
    """The photos' prints are not borderline: the classes below are not decided by a rounding."""
    truths = {arch: draw_photo(arch, jpeg_quality=None).arch_index for arch in ARCHES + ["cavus"]}
    assert truths["high"] < 0.19 and 0.225 < truths["normal"] < 0.245 and truths["flat"] > 0.28
    assert truths["cavus"] < 0.01
    assert {arch: class_for(index) for arch, index in truths.items()} == {
        "high": "high", "normal": "normal", "flat": "flat", "cavus": "high"
    }  # fmt: skip


@pytest.mark.parametrize("arch", ARCHES)
def test_ink_blotches_and_paper_texture(arch):
    """Uneven ink, drops and smudges of ink on textured paper, JPEG: the drops are specks, not prints."""
    _measured(draw_photo(arch, texture=6.0, seed=2))


@pytest.mark.parametrize("arch", ARCHES)
def test_a_gradient_of_light_across_the_sheet(arch):
    """The light falls off by 35 % across the sheet; it is divided out, not taken for ink."""
    _measured(draw_photo(arch, gradient=0.35, seed=3))


@pytest.mark.parametrize("arch", ARCHES)
def test_a_phone_shadow_over_the_forefoot_is_not_a_second_print(arch):
    """A soft shadow 45 % deep over the front of the foot: measured, not "more than one print"."""
    _measured(draw_photo(arch, shadow=0.45, gradient=0.15, seed=4))


@pytest.mark.parametrize("arch", ARCHES)
def test_a_sheet_on_a_darker_table_with_the_phone_tilted(arch):
    """The whole sheet on a wooden table, turned 14 degrees, its far side 10 % narrower (the phone tilted).

    The table is ignored (it is not one giant print), and the tilt is undone from the sheet's corners.
    """
    analysis = _measured(draw_photo(arch, table=True, angle=14, keystone=0.1, seed=5))
    assert analysis.geometry["on_table"] and analysis.geometry["rectified"]


@pytest.mark.parametrize("arch", ARCHES)
def test_a_sheet_filling_the_frame_turned_and_slightly_tilted(arch):
    """No corners to undo the tilt by: turned 12 degrees, the far side 3 % narrower, still within 0.01."""
    analysis = _measured(draw_photo(arch, angle=12, keystone=0.03, seed=6))
    assert not analysis.geometry["on_table"]


@pytest.mark.parametrize("arch", ARCHES)
def test_a_ruler_and_a_coin_on_the_sheet_are_ignored(arch):
    """A dark ruler along the print (long and thin) and a coin by the heel (small and round)."""
    _measured(draw_photo(arch, table=True, ruler=True, coin=True, angle=-8, seed=7))
    _measured(draw_photo(arch, ruler=True, coin=True, seed=8))


@pytest.mark.parametrize("arch", ARCHES)
def test_toes_touching_the_print_are_left_out(arch):
    """Toe pads joined to the ball by wet smears: excluded by the print's shape (the index once rose 0.15)."""
    analysis = _measured(draw_photo(arch, toes="touching", angle=-8, seed=9))
    assert analysis.geometry["toes_excluded_px"] > 0
    apart = analyse_footprint(
        image=draw_photo(arch, toes="apart", angle=-8, seed=9).image, with_overlay=False
    )
    assert analysis.arch_index == pytest.approx(apart.arch_index, abs=0.005)


def test_toes_touching_the_print_count_for_its_length():
    drawn = draw_photo("normal", toes="touching")
    analysis = _measured(drawn, mm_per_px=drawn.mm_per_px)
    assert analysis.foot_length_mm == pytest.approx(drawn.foot_length_mm, rel=0.015)


@pytest.mark.parametrize(("table", "toes"), [(True, "apart"), (False, "touching")])
def test_a_cavus_print_in_two_pieces_is_one_high_arched_print(table, toes):
    """Heel and forefoot with no midfoot contact, in line: one print, midfoot area 0, a high arch."""
    drawn = draw_photo("cavus", table=table, toes=toes, angle=5 if table else -15, seed=10)
    analysis = _measured(drawn, mm_per_px=drawn.mm_per_px)
    assert analysis.geometry["pieces"] == 2
    assert analysis.arch_index < 0.02 and analysis.chippaux_smirak == 0
    assert analysis.foot_length_mm == pytest.approx(drawn.foot_length_mm, rel=0.015)


@pytest.mark.parametrize("second", ["beside", "askew"])
def test_two_prints_beside_each_other_or_askew_are_several(second):
    drawn = draw_photo("normal", second=second, paper_mm=(420, 520), view_mm=430, foot_mm=230)
    assert "more than one print" in _refused(drawn)


@pytest.mark.parametrize("arch", ARCHES)
def test_everything_at_once(arch):
    """Table, turned and tilted phone, a phone shadow, a ruler and a coin, toes touching, JPEG 80."""
    drawn = draw_photo(arch, table=True, angle=-9, keystone=0.08, shadow=0.3, ruler=True, coin=True,
                       toes="touching", jpeg_quality=80, seed=11)  # fmt: skip
    _measured(drawn)


# --- Cut off ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("toes", "arch"), [("apart", "normal"), ("touching", "flat"), ("apart", "high")])
def test_toes_cut_off_by_the_frame_keep_the_index_and_lose_the_length(toes, arch):
    """The frame's edge through the toes: the ball is whole, so the index stands; the length does not."""
    drawn = draw_photo(arch, toes=toes, crop="toes")
    analysis = _measured(drawn, mm_per_px=drawn.mm_per_px)
    assert analysis.foot_length_mm is None  # not 30 mm short
    assert analysis.width_mm is not None
    assert len(analysis.notes) == 1 and "toes are cut off" in analysis.notes[0]
    assert analysis.geometry["notes"] == list(analysis.notes)


def test_toes_outside_the_frame_leave_no_length():
    """The frame's edge just in front of the ball: whatever shows of the toes, no length is given."""
    drawn = draw_photo("normal", crop="ball")
    analysis = _measured(drawn, mm_per_px=drawn.mm_per_px)
    assert analysis.foot_length_mm is None
    assert analysis.notes and "toes" in analysis.notes[0] and "length is not measured" in analysis.notes[0]


def test_toes_off_the_paper_on_a_table_leave_no_length():
    drawn = draw_photo("normal", table=True, heel_margin_mm=49)  # the toe tips 5 mm past the sheet's end
    analysis = _measured(drawn, mm_per_px=drawn.mm_per_px)
    assert analysis.foot_length_mm is None and analysis.notes


def test_a_whole_print_has_a_length_and_no_notes():
    drawn = draw_photo("normal", table=True, angle=10)
    analysis = _measured(drawn, mm_per_px=drawn.mm_per_px)
    assert analysis.foot_length_mm == pytest.approx(drawn.foot_length_mm, rel=0.015)
    assert analysis.notes == () and analysis.geometry["notes"] == []


@pytest.mark.parametrize(
    "drawn",
    [
        pytest.param(lambda: draw_photo("normal", crop="heel"), id="by the frame"),
        pytest.param(
            lambda: draw_photo("flat", crop="heel", angle=8, toes="touching"), id="by the frame, turned"
        ),
        pytest.param(lambda: draw_photo("high", table=True, heel_margin_mm=-15), id="off the paper"),
    ],
)
def test_a_heel_cut_off_is_refused_for_the_index_too(drawn):
    """The thirds are thirds of the whole length: without the heel's back there is no index."""
    detail = _refused(drawn())
    assert detail.startswith("The heel is cut off:") and "whole heel" in detail


# --- Refusals that fit the problem ---------------------------------------------------------------------


def test_a_deep_shadow_is_refused_as_a_shadow():
    assert "shadow" in _refused(draw_photo("normal", shadow=0.8))


def test_a_shadow_where_the_paper_meets_the_print_on_a_table_is_refused_as_a_shadow():
    """The shaded paper is darker than the table's lit wood: the print seems to run off the paper there."""
    assert "shadow" in _refused(draw_photo("normal", table=True, shadow=0.55))


def test_a_dark_photo_is_too_dark():
    assert "too dark" in _refused(draw_photo("normal", brightness=0.2))


def test_no_sheet_in_the_picture():
    """A sheet covering 5 % of a photo of the table: the paper was not found."""
    assert "sheet of paper" in _refused(draw_photo("normal", table=True, view_mm=1300))


def test_a_blank_sheet_on_a_table_has_no_print():
    assert "could not find a footprint" in _refused(draw_photo(foot_mm=0, table=True))


def test_a_print_far_away_is_too_small():
    assert "too small" in _refused(draw_photo("normal", paper_mm=(2000, 2400), view_mm=1750))


# --- Never a confident wrong class ----------------------------------------------------------------------

SWEEP = [
    dict(arch=arch, seed=seed, **conditions)
    for seed, (arch, conditions) in enumerate(
        [
            ("high", dict(table=True, angle=22, keystone=0.06, gradient=0.25, toes="touching")),
            ("normal", dict(shadow=0.6, shadow_blur=0.01, angle=-5)),
            ("flat", dict(table=True, shadow=0.5, coin=True, ruler=True)),
            ("cavus", dict(gradient=0.3, angle=18, ink=110)),
            ("high", dict(crop="toes", toes="touching", shadow=0.35)),
            ("normal", dict(crop="heel", table=True)),
            ("flat", dict(toes="touching", texture=8.0, jpeg_quality=60, angle=30)),
            ("normal", dict(ink=150, gradient=0.2)),
            ("high", dict(table=True, brightness=0.45, keystone=-0.08)),
            ("cavus", dict(table=True, toes="touching", shadow=0.4, angle=-20)),
        ]
    )
]


@pytest.mark.parametrize(
    "options", SWEEP, ids=lambda options: "-".join(f"{k}={v}" for k, v in options.items())
)
def test_never_a_confident_wrong_class(options):
    """Hard photos: each is refused, or measured within 0.01 of its drawn truth in the right class."""
    drawn = draw_photo(**options)
    try:
        analysis = analyse_footprint(image=drawn.image, with_overlay=False)
    except InvalidFootprint as error:
        assert "etake" in error.detail
        return
    assert not math.isnan(drawn.arch_index)
    assert analysis.arch_index == pytest.approx(drawn.arch_index, abs=0.01)
    assert analysis.arch_type == drawn.arch_type
