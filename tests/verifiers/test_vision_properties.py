"""Grounding formulas against code we did not write (pycocotools, scipy) and their properties."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewardsmith.verifiers.vision.boxes import BoxIoU
from rewardsmith.verifiers.vision.geometry import as_boxes, giou_matrix, iou_matrix
from rewardsmith.verifiers.vision.keypoints import COCO_SIGMAS, Keypoints
from rewardsmith.verifiers.vision.masks import MaskIoU, polygon_mask

coord = st.integers(min_value=0, max_value=400)
ONE = st.integers(1, 1)


@st.composite
def boxes(draw, count=ONE):
    out = []
    for _ in range(draw(count)):
        x1, y1 = draw(coord), draw(coord)
        out.append([x1, y1, x1 + draw(st.integers(1, 200)), y1 + draw(st.integers(1, 200))])
    return out


def xywh(box):
    return [box[0], box[1], box[2] - box[0], box[3] - box[1]]


@settings(max_examples=200, deadline=None)
@given(boxes(count=st.integers(1, 5)), boxes(count=st.integers(1, 5)))
def test_iou_matrix_equals_pycocotools_box_iou(predicted, gold):
    mask_utils = pytest.importorskip("pycocotools.mask")
    peer = mask_utils.iou([xywh(b) for b in predicted], [xywh(b) for b in gold], [0] * len(gold))
    assert np.allclose(iou_matrix(as_boxes(predicted), as_boxes(gold)), peer, rtol=0, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(boxes(), boxes())
def test_iou_is_symmetric_bounded_and_one_only_for_equal_boxes(a, b):
    forward = BoxIoU()(str(a[0]), reference=b[0]).value
    backward = BoxIoU()(str(b[0]), reference=a[0]).value
    assert forward == pytest.approx(backward, abs=1e-12)
    assert 0.0 <= forward <= 1.0
    assert (forward == 1.0) == (a == b)


@settings(max_examples=200, deadline=None)
@given(boxes(), boxes())
def test_giou_is_at_most_iou_and_at_least_minus_one(a, b):
    iou = iou_matrix(as_boxes(a), as_boxes(b))[0, 0]
    giou = giou_matrix(as_boxes(a), as_boxes(b))[0, 0]
    assert -1.0 <= giou <= iou + 1e-12


@settings(max_examples=100, deadline=None)
@given(boxes(), boxes(), st.sampled_from([(640, 480), (1920, 1080), (401, 999)]))
def test_iou_is_the_same_in_pixels_normalised_and_thousandths(a, b, size):
    width, height = size
    a, b = a[0], b[0]
    pixels = BoxIoU()(str(a), reference=b, image_size=[width, height])
    normalised = [a[0] / width, a[1] / height, a[2] / width, a[3] / height]
    fractions = BoxIoU(units="normalised")(str(normalised), reference=b, image_size=[width, height])
    thousandths = [1000 * v for v in normalised]
    grid = BoxIoU(units="thousandths")(str(thousandths), reference=b, image_size=[width, height])
    if pixels.details["outcome"] == "outside the image":
        return
    assert fractions.value == pytest.approx(pixels.value, abs=1e-9)
    assert grid.value == pytest.approx(pixels.value, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(boxes(count=st.integers(1, 4)), boxes(count=st.integers(1, 4)))
def test_matched_score_is_the_best_one_to_one_assignment(predicted, gold):
    """The Hungarian optimum equals brute force over every injective assignment."""
    value = BoxIoU(multiple=True)(json.dumps([{"bbox_2d": b} for b in predicted]), reference=gold).value
    distinct = list(dict.fromkeys(map(tuple, predicted)))  # a repeated box is stated once
    scores = iou_matrix(as_boxes(distinct), as_boxes(gold))
    large = max(scores.shape)
    best = 0.0
    if scores.shape[0] <= scores.shape[1]:
        for columns in itertools.permutations(range(scores.shape[1]), scores.shape[0]):
            best = max(best, sum(scores[i, c] for i, c in enumerate(columns)))
    else:
        for rows in itertools.permutations(range(scores.shape[0]), scores.shape[1]):
            best = max(best, sum(scores[r, j] for j, r in enumerate(rows)))
    assert value == pytest.approx(best / large, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 300), st.floats(0, 300)), min_size=17, max_size=17), st.floats(50, 5e4))
def test_oks_equals_pycocotools_compute_oks(predicted, area):
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    coco_module = pytest.importorskip("pycocotools.coco")
    rng = np.random.default_rng(len(predicted) + int(area))
    gold = np.column_stack([rng.uniform(0, 300, 17), rng.uniform(0, 300, 17), rng.integers(0, 3, 17)])
    gold[0, 2] = 2  # at least one visible keypoint
    annotation = {"id": 1, "image_id": 1, "category_id": 1, "keypoints": gold.ravel().tolist(), "area": area,
                  "bbox": [0, 0, 300, 300], "iscrowd": 0, "num_keypoints": int((gold[:, 2] > 0).sum())}
    ground = coco_module.COCO()
    ground.dataset = {"images": [{"id": 1}], "annotations": [annotation],
                      "categories": [{"id": 1, "name": "person"}]}
    ground.createIndex()
    flat = [c for x, y in predicted for c in (x, y, 1)]
    detections = ground.loadRes([{"image_id": 1, "category_id": 1, "keypoints": flat, "score": 1.0}])
    evaluator = cocoeval.COCOeval(ground, detections, "keypoints")
    evaluator.params.imgIds = [1]
    evaluator._prepare()
    peer = evaluator.computeOks(1, 1)[0, 0]
    reference = {"keypoints": gold.ravel().tolist(), "area": area}
    value = Keypoints()(json.dumps({"keypoints": [[x, y] for x, y in predicted]}), reference=reference).value
    assert len(COCO_SIGMAS) == 17
    assert value == pytest.approx(peer, rel=1e-12, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_mask_iou_of_rles_equals_pycocotools(height, width, seed):
    mask_utils = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(seed)
    gold = np.asfortranarray(rng.random((height, width)) < 0.5, dtype=np.uint8)
    predicted = np.asfortranarray(rng.random((height, width)) < 0.5, dtype=np.uint8)
    if not gold.any() or not (gold | predicted).any():
        return
    gold_rle, predicted_rle = mask_utils.encode(gold), mask_utils.encode(predicted)
    peer = mask_utils.iou([predicted_rle], [gold_rle], [0])[0, 0]
    as_json = {"size": predicted_rle["size"], "counts": predicted_rle["counts"].decode()}
    reference = {"size": gold_rle["size"], "counts": gold_rle["counts"].decode()}
    assert MaskIoU()(json.dumps(as_json), reference=reference).value == pytest.approx(peer, abs=1e-12)


def test_polygon_rasterisation_is_within_a_pixel_border_of_pycocotools():
    """Different rasterisers (pixel centres here, pycocotools' upsampled scan lines) agree on
    the interior; their areas differ by less than the polygon's perimeter in pixels."""
    mask_utils = pytest.importorskip("pycocotools.mask")
    polygon = [12.3, 8.1, 80.7, 15.2, 70.4, 60.9, 30.2, 75.5, 5.5, 40.0]
    ours = polygon_mask([polygon], 100, 100)
    theirs = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects([polygon], 100, 100))).astype(bool)
    perimeter = sum(
        np.hypot(polygon[i] - polygon[(i + 2) % 10], polygon[i + 1] - polygon[(i + 3) % 10]) for i in range(0, 10, 2)
    )
    assert abs(int(ours.sum()) - int(theirs.sum())) < perimeter
    assert (ours & theirs).sum() / (ours | theirs).sum() > 0.95
