"""Grounding rewards: values from the papers' definitions, parsers, frames, hedges, errors."""

from __future__ import annotations

import math

import pytest

from rewardsmith.core import ErrorKind, Sample, load
from rewardsmith.verifiers.vision.boxes import BoxIoU, BoxSize
from rewardsmith.verifiers.vision.keypoints import Keypoints
from rewardsmith.verifiers.vision.masks import MaskIoU
from rewardsmith.verifiers.vision.points import GaussianCoverage, GaussianPoint, PointInBox

GOLD = [100, 30, 140, 50]


# --- vision.iou: IoU / GIoU values worked by hand -------------------------------------------


def test_iou_of_half_overlapping_boxes_is_one_third():
    # |P ∩ G| = 10·10 = 100, |P ∪ G| = 200 + 200 − 100 = 300
    assert BoxIoU()("[0, 0, 20, 10]", reference=[10, 0, 30, 10]).value == pytest.approx(1 / 3)


def test_iou_of_the_gold_box_itself_is_one():
    assert BoxIoU()('{"bbox_2d": [100, 30, 140, 50], "label": "OK"}', reference=GOLD).value == 1.0


def test_giou_of_disjoint_unit_boxes_is_minus_one_third():
    # Rezatofighi et al.: GIoU = IoU − |C \ (A ∪ B)| / |C| = 0 − (3 − 2) / 3
    result = BoxIoU(metric="giou")("[2, 0, 3, 1]", reference=[0, 0, 1, 1])
    assert result.value == pytest.approx(-1 / 3)


def test_giou_equals_iou_when_one_box_contains_the_other():
    inner = BoxIoU(metric="giou")("[0, 0, 10, 10]", reference=[0, 0, 20, 20]).value
    assert inner == pytest.approx(0.25) == BoxIoU()("[0, 0, 10, 10]", reference=[0, 0, 20, 20]).value


def test_threshold_mode_pays_one_at_or_above_the_threshold_and_zero_below():
    reward = BoxIoU(threshold=0.5)
    assert reward("[10, 0, 30, 10]", reference=[10, 0, 30, 10]).value == 1.0
    assert reward("[0, 0, 20, 10]", reference=[10, 0, 30, 10]).value == 0.0  # IoU 1/3


@pytest.mark.parametrize(
    "completion",
    [
        '<answer>[{"bbox_2d": [100, 30, 140, 50], "label": "button"}]</answer>',
        "<answer>[100, 30, 140, 50]</answer>",
        "<box>[100, 30, 140, 50]</box>",
        "<box>(100,30),(140,50)</box>",
        "<|box_start|>(100,30),(140,50)<|box_end|>",
        "{'bbox': [100.0, 30.0, 140.0, 50.0]}",
        "<think>first guess [0, 0, 5, 5]</think><answer>[100, 30, 140, 50]</answer>",
    ],
)
def test_every_output_format_reads_the_same_box(completion):
    result = BoxIoU()(completion, reference=GOLD)
    assert (result.value, result.details["outcome"]) == (1.0, "scored")


def test_xywh_boxes_are_converted_to_corners():
    assert BoxIoU(box_format="xywh")("[100, 30, 40, 20]", reference=GOLD).value == 1.0


def test_qwen_vl_thousandths_meet_pixel_references_through_the_image_size():
    # (100, 30, 140, 50) on a 1000 x 500 image is (100, 60, 140, 100) in thousandths
    reward = BoxIoU(units="thousandths")
    completion = "<|box_start|>(100,60),(140,100)<|box_end|>"
    assert reward(completion, reference=GOLD, image_size=[1000, 500]).value == pytest.approx(1.0)


def test_mixed_units_without_an_image_size_are_a_bad_input_error():
    result = BoxIoU(units="normalised")("[0.1, 0.1, 0.2, 0.2]", reference=GOLD)
    assert result.value is None and result.error_kind is ErrorKind.BAD_INPUT


def test_several_different_boxes_for_one_object_are_a_hedge_and_earn_zero():
    result = BoxIoU()("[100, 30, 140, 50] [0, 0, 10, 10]", reference=GOLD)
    assert (result.value, result.details["outcome"]) == (0.0, "hedge")


def test_the_same_box_stated_twice_is_not_a_hedge():
    assert BoxIoU()("[100, 30, 140, 50], i.e. [100, 30, 140, 50]", reference=GOLD).value == 1.0


def test_giou_hedge_earns_the_giou_floor():
    assert BoxIoU(metric="giou")("[1, 1, 2, 2] [5, 5, 6, 6]", reference=GOLD).value == -1.0


@pytest.mark.parametrize(
    ("completion", "outcome"),
    [
        ("[140, 50, 100, 30]", "swapped corners"),
        ("[120, 40, 120, 40]", "zero area"),
        ("[-5, 30, 140, 50]", "outside the image"),
        ("I cannot find it", "no box found"),
        ("[120, 40]", "not a box: [120.0, 40.0]"),
    ],
)
def test_unusable_boxes_earn_zero_and_say_why(completion, outcome):
    result = BoxIoU()(completion, reference=GOLD)
    assert (result.value, result.details["outcome"]) == (0.0, outcome)


def test_a_box_beyond_the_known_image_size_earns_zero():
    result = BoxIoU()("[0, 0, 1200, 900]", reference=GOLD, image_size=[1024, 768])
    assert (result.value, result.details["outcome"]) == (0.0, "outside the image")


@pytest.mark.parametrize("reference", [None, [1, 2, 3], {"label": "x"}, [40, 10, 20, 30], "no box here"])
def test_unreadable_references_are_bad_input_errors_not_zeros(reference):
    result = BoxIoU()("[100, 30, 140, 50]", reference=reference)
    assert result.value is None and result.error_kind is ErrorKind.BAD_INPUT


def test_several_gold_boxes_without_multiple_are_a_bad_input_error():
    result = BoxIoU()("[0, 0, 1, 1]", reference=[[0, 0, 1, 1], [2, 2, 3, 3]])
    assert result.error_kind is ErrorKind.BAD_INPUT and "multiple" in result.error


# --- vision.iou with multiple: Hungarian matching --------------------------------------------


def test_matched_sets_score_the_mean_iou_over_the_larger_set():
    gold = [[0, 0, 10, 10], [20, 0, 30, 10]]
    # listed in the other order: matching pairs them up; the second pair has IoU 1/3
    completion = '[{"bbox_2d": [25, 0, 35, 10]}, {"bbox_2d": [0, 0, 10, 10]}]'
    result = BoxIoU(multiple=True)(completion, reference=gold)
    assert result.value == pytest.approx((1 + 1 / 3) / 2)


def test_an_extra_box_costs_like_a_wrong_one():
    gold = [[0, 0, 10, 10]]
    result = BoxIoU(multiple=True)("[0, 0, 10, 10] [50, 50, 60, 60]", reference=gold)
    assert result.value == pytest.approx(0.5)


def test_threshold_mode_on_sets_is_the_f1_of_matches():
    gold = [[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]]
    completion = "[0, 0, 10, 10] [20, 0, 30, 10] [90, 90, 95, 95]"  # TP = 2, |P| = |G| = 3
    assert BoxIoU(multiple=True, threshold=0.5)(completion, reference=gold).value == pytest.approx(4 / 6)


# --- vision.box_size (GUI-G1) -------------------------------------------------------------------


def test_box_size_is_the_harmonic_mean_of_side_closeness():
    # t = (1, 1, 1 − 50/200, 1 − 50/200) → 4 / (1 + 1 + 4/3 + 4/3) = 6/7
    result = BoxSize()("[0, 0, 50, 50]", reference=[0, 0, 100, 100], image_size=[200, 200])
    assert result.value == pytest.approx(6 / 7)


def test_box_size_needs_the_image_size_for_pixels():
    assert BoxSize()("[0, 0, 50, 50]", reference=[0, 0, 100, 100]).error_kind is ErrorKind.BAD_INPUT


def test_box_size_in_normalised_units_needs_no_image_size():
    value = BoxSize(units="normalised", reference_units="normalised")("[0, 0, 0.25, 0.25]", reference=[0, 0, 0.5, 0.5])
    assert value.value == pytest.approx(6 / 7)


# --- clicks: point_in_box (GUI-R1 / GUI-G1 hit), gaussian_point, gaussian_coverage (GUI-G²) ----


@pytest.mark.parametrize(
    ("completion", "value"),
    [("click(100, 30)", 1.0), ("click(140, 50)", 1.0), ("click(99.9, 40)", 0.0), ("[110, 35, 130, 45]", 1.0)],
)
def test_point_in_box_counts_borders_and_box_centres(completion, value):
    assert PointInBox()(completion, reference=GOLD).value == value


def test_two_clicks_are_a_hedge():
    result = PointInBox()("click(110, 40) or click(500, 500)", reference=GOLD)
    assert (result.value, result.details["outcome"]) == (0.0, "hedge")


def test_gaussian_point_is_one_at_the_centre_and_exp_minus_half_one_sigma_away():
    # σ_x = 0.5 · 40 = 20, σ_y = 0.5 · 20 = 10
    assert GaussianPoint()("(120, 40)", reference=GOLD).value == 1.0
    assert GaussianPoint()("(140, 40)", reference=GOLD).value == pytest.approx(math.exp(-0.5))
    assert GaussianPoint()("(140, 50)", reference=GOLD).value == pytest.approx(math.exp(-1.0))


def test_gaussian_point_is_the_same_in_normalised_units():
    pixels = GaussianPoint()("(130, 45)", reference=GOLD).value
    normalised = GaussianPoint(units="normalised")("(0.13, 0.09)", reference=GOLD, image_size=[1000, 500]).value
    assert normalised == pytest.approx(pixels)


def test_gaussian_coverage_of_a_half_size_box_at_the_centre_is_four_fifths():
    # per axis Σ_p = Σ_g / 4, Σ = 5/8 Σ_g: D_B = 2 · ½ ln((5/8) / (1/2)) = ln 1.25
    assert GaussianCoverage()("[110, 35, 130, 45]", reference=GOLD).value == pytest.approx(0.8)


def test_gaussian_coverage_equals_the_bhattacharyya_integral():
    """Against a numerical ∫ √(p q) on a grid, which shares no code with the closed form."""
    scipy_stats = pytest.importorskip("scipy.stats")
    import numpy as np

    predicted, alpha = [90, 25, 150, 45], 0.5
    value = GaussianCoverage(alpha=alpha)(str(predicted), reference=GOLD).value

    def density(box):
        mean = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]
        cov = np.diag([(alpha * (box[2] - box[0])) ** 2, (alpha * (box[3] - box[1])) ** 2])
        return scipy_stats.multivariate_normal(mean, cov)

    xs, ys = np.meshgrid(np.linspace(0, 250, 1001), np.linspace(-60, 130, 761))
    grid = np.dstack([xs, ys])
    integrand = np.sqrt(density(predicted).pdf(grid) * density(GOLD).pdf(grid))
    numeric = integrand.sum() * (xs[0, 1] - xs[0, 0]) * (ys[1, 0] - ys[0, 0])
    assert value == pytest.approx(numeric, rel=1e-4)


def test_gaussian_coverage_needs_a_box_not_a_point():
    assert GaussianCoverage()("click(120, 40)", reference=GOLD).details["outcome"] == "a point, not a box"


# --- keypoints and masks --------------------------------------------------------------------------


def test_oks_of_one_keypoint_one_k_away_is_exp_minus_half():
    # d² = s² k² with k = 2σ: e = d² / (2 s² k²) = ½ (up to pycocotools' spacing added to the area)
    gold = {"keypoints": [10, 10, 2, 50, 50, 0], "area": 100}
    reward = Keypoints(sigmas=[0.05, 0.05])
    assert reward("[[11, 10], [0, 0]]", reference=gold).value == pytest.approx(math.exp(-0.5))


def test_keypoints_of_the_wrong_count_earn_zero():
    gold = {"keypoints": [10, 10, 2, 50, 50, 2], "area": 100}
    assert Keypoints(sigmas=[0.05, 0.05])("[10, 10]", reference=gold).value == 0.0


def test_mask_iou_of_polygon_and_rle():
    gold = {"size": [4, 4], "counts": [0, 8, 8]}  # the left half, columns 0 and 1
    square = '{"segmentation": [[0, 0, 1, 0, 1, 4, 0, 4]]}'  # column 0
    assert MaskIoU()(square, reference=gold).value == 0.5


def test_mask_iou_polygons_need_an_image_size_when_the_reference_has_none():
    result = MaskIoU()("[[0, 0, 2, 0, 2, 2]]", reference=[[0, 0, 2, 0, 2, 2, 0, 2]])
    assert result.error_kind is ErrorKind.BAD_INPUT
    assert MaskIoU()("[[0, 0, 2, 0, 2, 2, 0, 2]]", reference=[[0, 0, 2, 0, 2, 2, 0, 2]], image_size=[4, 4]).value == 1


# --- the image size from the image file -----------------------------------------------------------


def test_image_size_is_read_from_the_image_file(tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    path = tmp_path / "screen.png"
    image_module.new("RGB", (1000, 500)).save(path)
    reward = BoxIoU(units="thousandths")
    completion = "<|box_start|>(100,60),(140,100)<|box_end|>"
    assert reward(completion, reference=GOLD, image=str(path)).value == pytest.approx(1.0)


def test_a_missing_image_file_is_a_bad_input_error(tmp_path):
    result = BoxIoU(units="thousandths")("[1, 1, 2, 2]", reference=GOLD, image=str(tmp_path / "gone.png"))
    assert result.error_kind is ErrorKind.BAD_INPUT


# --- specs ------------------------------------------------------------------------------------------


def test_components_load_from_specs():
    reward = load({"type": "vision.iou", "metric": "giou", "multiple": True, "units": "normalised"})
    assert isinstance(reward, BoxIoU) and reward.value_range == (-1.0, 1.0)
    sample = Sample("[0.1, 0.1, 0.3, 0.3]", reference=[[0.1, 0.1, 0.3, 0.3]])
    spec = {"type": "vision.iou", "units": "normalised", "reference_units": "normalised"}
    assert load(spec).score([sample])[0].value == 1


def test_the_gui_g1_recipe_scores_from_a_spec_file_with_the_cli(tmp_path):
    """R_hit + 0.25·R_IoU + 0.125·R_box, as GUI-G1 trains with it, through `rewardsmith score`."""
    import json
    import subprocess
    import sys

    spec = tmp_path / "gui.yaml"
    spec.write_text(
        "type: sum\nterms:\n  - {type: vision.point_in_box}\n  - {type: vision.iou, weight: 0.25}\n"
        "  - {type: vision.box_size, weight: 0.125}\n"
    )
    records = [
        {"id": 1, "completion": '{"bbox_2d": [100, 30, 140, 50]}', "reference": GOLD, "image_size": [200, 100]},
        {"id": 2, "completion": "[0, 0, 200, 100]", "reference": GOLD, "image_size": [200, 100]},
        {"id": 3, "completion": "[0, 0, 20, 20]", "reference": [1, 2, 3], "image_size": [200, 100]},
    ]
    data = tmp_path / "gui.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "scored.jsonl"
    done = subprocess.run([sys.executable, "-m", "rewardsmith", "score", str(spec), str(data), "-o", str(out),
                           "--max-error-rate", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert scored[0]["reward"] == pytest.approx(1 + 0.25 + 0.125)
    # the whole image: its centre (100, 50) is on the gold box's border, IoU 800/20000,
    # box size t = (1 − 100/200, 1 − 30/100, 1 − 60/200, 1 − 50/100) = (0.5, 0.7, 0.7, 0.5)
    assert scored[1]["reward"] == pytest.approx(1 + 0.25 * 0.04 + 0.125 * 4 / (2 + 2 + 2 / 0.7))
    assert scored[2]["reward"] is None and scored[2]["reward_error_kind"] == "bad_input"
