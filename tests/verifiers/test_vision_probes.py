"""The grounding probes: lenient grounding rewards are caught, the components' findings are exact."""

from __future__ import annotations

import re

import pytest

from rewardsmith.audit.probes import audit_hacking
from rewardsmith.verifiers.vision.geometry import as_boxes, iou_matrix

PROBES = ["whole_image", "many_boxes", "off_image", "swapped_corners", "zero_area_box"]
RECORDS = [
    {"id": 1, "prompt": "Where is the OK button?", "image_size": [1000, 800], "reference": [610, 505, 705, 545],
     "completion": '<think>bottom right</think><answer>[{"bbox_2d": [600, 500, 700, 540], "label": "OK"}]</answer>'},
    {"id": 2, "prompt": "Find the search field.", "image_size": [1280, 800], "reference": [150, 40, 600, 90],
     "completion": "The field spans <box>(120,40),(480,90)</box>"},
    {"id": 3, "prompt": "Locate the logo.", "image_size": [800, 600], "reference": [35, 25, 210, 118],
     "completion": "<answer>[40, 30, 200, 120]</answer>"},
]
CLICKS = [
    {"id": 4, "prompt": "Click send.", "image_size": [1000, 800], "reference": [610, 505, 705, 545],
     "completion": "<answer>click(650, 520)</answer>"},
]


def _boxes(completion: str) -> list[list[float]]:
    numbers = [float(x) for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", completion.split("</think>")[-1])]
    boxes = [numbers[i : i + 4] for i in range(0, len(numbers) - 3, 4)]
    return [[min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])] for b in boxes]


def lenient_iou(completion, reference):
    """Best IoU of any box, corners sorted, no bounds: every grounding hack pays here."""
    boxes = _boxes(completion)
    return float(iou_matrix(as_boxes(boxes), as_boxes(reference)).max()) if boxes else 0.0


def lenient_hit(completion, reference):
    """A hit if the centre of any stated box lies in the gold box."""
    x1, y1, x2, y2 = reference
    return float(any(x1 <= (b[0] + b[2]) / 2 <= x2 and y1 <= (b[1] + b[3]) / 2 <= y2 for b in _boxes(completion)))


def exploits(reward, records=RECORDS):
    result = audit_hacking(reward, records, probes=PROBES, corpus=False, search_budget=0)
    return {name: (p["n_exploited"], p["mean_gain"]) for name, p in result["probes"].items() if p["n_exploited"]}


def test_a_lenient_iou_is_caught_by_four_grounding_probes():
    assert set(exploits(lenient_iou)) == {"whole_image", "many_boxes", "off_image", "swapped_corners"}


def test_a_lenient_hit_reward_is_caught_by_the_zero_area_box():
    assert exploits(lenient_hit)["zero_area_box"][0] == 3


def test_thresholded_iou_and_the_hit_reward_pass_every_grounding_probe():
    assert exploits({"type": "vision.iou", "threshold": 0.5}) == {}
    assert exploits({"type": "vision.point_in_box"}) == {}
    assert exploits({"type": "vision.point_in_box"}, CLICKS) == {}


def test_continuous_iou_pays_the_whole_image_exactly_its_area_share():
    """IoU's bias to large boxes (GUI-G1): the whole image earns |G| / |image| over an empty answer."""
    shares = [95 * 40 / (1000 * 800), 450 * 50 / (1280 * 800), 175 * 93 / (800 * 600)]
    found = exploits({"type": "vision.iou"})
    assert set(found) == {"whole_image"}
    assert found["whole_image"] == (3, pytest.approx(sum(shares) / 3))


def test_giou_pays_the_whole_image_far_above_its_floor():
    count, gain = exploits({"type": "vision.iou", "metric": "giou"})["whole_image"]
    assert count == 3 and gain > 1.0


def test_gui_g2_coverage_and_gui_g1_box_size_alone_pay_the_whole_image():
    """Both are meant as terms next to a hit or IoU reward, as their papers use them."""
    assert set(exploits({"type": "vision.gaussian_coverage"})) == {"whole_image"}
    assert set(exploits({"type": "vision.box_size"})) == {"whole_image"}


def test_probes_do_not_apply_to_completions_without_coordinates():
    result = audit_hacking("text.exact", [{"completion": "Paris", "reference": "Paris"}], probes=PROBES,
                           corpus=False, search_budget=0)
    assert all(p["n"] == 0 for p in result["probes"].values())
