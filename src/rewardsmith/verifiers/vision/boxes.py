"""``vision.iou`` (IoU / GIoU, one box or Hungarian-matched sets) and ``vision.box_size`` (GUI-G1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from rewardsmith.core import RewardResult, Sample, register

from .base import Grounding
from .frame import BadInput, BoxFormat, Units
from .geometry import as_boxes, giou_matrix, iou_matrix


def match(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the assignment that maximises the summed score (Hungarian, via scipy)."""
    if min(scores.shape) == 1:
        flat = int(np.argmax(scores))
        row, col = divmod(flat, scores.shape[1])
        return np.array([row]), np.array([col])
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError as exc:
        raise ImportError("matching several boxes needs scipy: pip install 'rewardsmith[audit]'") from exc
    return linear_sum_assignment(scores, maximize=True)


@register("vision.iou")
class BoxIoU(Grounding):
    """Overlap of the predicted box with the gold box: IoU or GIoU, continuous or thresholded.

    IoU = |P ∩ G| / |P ∪ G| is the accuracy reward of *VLM-R1* (Shen et al., 2025) for
    referring-expression grounding; ``threshold: 0.5`` gives 1[IoU ≥ 0.5], the hard variant VLM-R1
    started from and *Seg-Zero*'s (Liu et al., 2025) box reward. ``metric: giou`` uses
    GIoU = IoU − |C \\ (P ∪ G)| / |C| (*Generalized Intersection over Union*, Rezatofighi et al.,
    2019), which still ranks boxes that do not overlap; its floor is −1. Areas are continuous
    ((x2 − x1)(y2 − y1), as torchvision and pycocotools compute them); VLM-R1's training code
    counts inclusive pixels (+1 per side), which differs by a pixel's width at the border.

    With ``multiple: true`` the completion may state several boxes for a detection-style
    answer: predictions P and gold boxes G are matched one to one by the Hungarian algorithm
    (scipy's ``linear_sum_assignment``, maximising the summed score), and
    r = (Σ_matched s(p, g) + floor · (max(|P|, |G|) − min(|P|, |G|))) / max(|P|, |G|), so a missed
    or an extra box costs like a wrong one. With a threshold, r = F1 = 2·TP / (|P| + |G|), TP the
    matched pairs with s ≥ threshold. Otherwise several different boxes are a hedge and earn the
    floor, as several answers do in ``math.answer``.

    A box with swapped corners, no area, or a corner off the image (negative, or beyond the
    image size when known; beyond 1 or 1000 for normalised units) is no answer and earns the floor.

    >>> reward = BoxIoU()
    >>> reward('{"bbox_2d": [0, 0, 20, 10]}', reference=[10, 0, 30, 10]).value
    0.3333333333333333
    >>> reward("[0, 0, 20, 10] or [10, 0, 30, 10]", reference=[10, 0, 30, 10]).details["outcome"]
    'hedge'
    >>> BoxIoU(threshold=0.5)("<box>[10, 0, 29, 10]</box>", reference=[10, 0, 30, 10]).value
    1.0
    """

    @classmethod
    def requirements(cls, params: Mapping[str, Any]) -> Mapping[str, str]:
        """Matching several boxes uses scipy's Hungarian solver."""
        return {"scipy": "audit"} if params.get("multiple") else {}

    def __init__(
        self,
        metric: Literal["iou", "giou"] = "iou",
        threshold: float | None = None,
        multiple: bool = False,
        units: Units = "pixels",
        reference_units: Units = "pixels",
        box_format: BoxFormat = "xyxy",
        reference_format: BoxFormat = "xyxy",
        formats: list[str] | None = None,
    ) -> None:
        if threshold is not None and not -1.0 <= threshold <= 1.0:
            raise ValueError(f"threshold: must be in [-1, 1], got {threshold}")
        self.metric = metric
        self.threshold = threshold
        self.multiple = multiple
        self._coordinates(units, reference_units, box_format, reference_format, formats)
        self.floor = -1.0 if metric == "giou" and threshold is None else 0.0
        self.value_range = (self.floor, 1.0)

    def evaluate(self, sample: Sample) -> RewardResult:
        frame = self.frame(sample)
        gold = self.gold_boxes(sample, frame)
        if len(gold) > 1 and not self.multiple:
            raise BadInput(f"reference has {len(gold)} boxes; set multiple: true to match several")
        stated = self.stated(sample)
        if not stated:
            return self.miss("no box found")
        if len(stated) > 1 and not self.multiple:
            return self.miss("hedge", stated=len(stated))
        boxes = []
        for group in stated:
            box, problem = self.predicted_box(group, frame)
            if problem:
                return self.miss(problem, box=list(group))
            boxes.append(box)
        scores = (giou_matrix if self.metric == "giou" else iou_matrix)(as_boxes(boxes), as_boxes(gold))
        rows, cols = match(scores)
        matched = scores[rows, cols]
        details = {"outcome": "scored", self.metric: [round(float(s), 6) for s in matched], "boxes": len(boxes)}
        if self.threshold is not None:
            hits = int(np.sum(matched >= self.threshold))
            return RewardResult.ok(2.0 * hits / (len(boxes) + len(gold)), **details)
        size = max(len(boxes), len(gold))
        unmatched = size - len(matched)
        return RewardResult.ok((float(np.sum(matched)) + self.floor * unmatched) / size, **details)



@register("vision.box_size")
class BoxSize(Grounding):
    """GUI-G1's box-size constraint: how close each side of the predicted box is to the gold one.

    *GUI-G1: Understanding R1-Zero-Like Training for Visual Grounding in GUI Agents* (Zhou et al.,
    2025) finds that a hit reward drives boxes to shrink and an IoU reward drives them to grow,
    and adds R_box = 4 / (1/t_x1 + 1/t_y1 + 1/t_x2 + 1/t_y2), the harmonic mean of
    t_x = 1 − |x_gold − x_pred| / W and t_y = 1 − |y_gold − y_pred| / H over the four
    coordinates (W, H: the image size), to R_hit + α·R_IoU with a weight β. It is a regulariser,
    not a grounding reward on its own: a box covering the whole image still earns more than 0
    (the ``whole_image`` probe shows how much). A side that is a full image away gives
    t = 0 and R_box = 0. Needs the image size for pixel coordinates.

    >>> BoxSize()("[0, 0, 50, 50]", reference=[0, 0, 100, 100], image_size=[200, 200]).value
    0.8571428571428572
    """

    needs_size = True

    def __init__(
        self,
        units: Units = "pixels",
        reference_units: Units = "pixels",
        box_format: BoxFormat = "xyxy",
        reference_format: BoxFormat = "xyxy",
        formats: list[str] | None = None,
    ) -> None:
        self._coordinates(units, reference_units, box_format, reference_format, formats)

    def evaluate(self, sample: Sample) -> RewardResult:
        frame = self.frame(sample)
        gold = self.gold_boxes(sample, frame)
        if len(gold) > 1:
            raise BadInput(f"reference has {len(gold)} boxes; vision.box_size compares one")
        stated = self.stated(sample)
        if not stated:
            return self.miss("no box found")
        if len(stated) > 1:
            return self.miss("hedge", stated=len(stated))
        box, problem = self.predicted_box(stated[0], frame)
        if box is None:
            return self.miss(problem or "no box", box=list(stated[0]))
        sides = (frame.width, frame.height, frame.width, frame.height)
        # needs_size: make_frame refused a frame without the image size, so no side is None
        closeness = [1.0 - abs(g - p) / side for g, p, side in zip(gold[0], box, sides, strict=True)]  # type: ignore[operator]
        if min(closeness) <= 0.0:
            return RewardResult.ok(0.0, outcome="scored", closeness=closeness)
        return RewardResult.ok(4.0 / sum(1.0 / t for t in closeness), outcome="scored", closeness=closeness)
