"""``vision.keypoints``: COCO object keypoint similarity (OKS) of predicted keypoints."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np

from rewardsmith.core import RewardResult, Sample, register

from .base import Grounding
from .frame import BadInput
from .parse import answer_region, numbers

#: COCO's per-keypoint constants for the 17 person keypoints (nose, eyes, ears, shoulders,
#: elbows, wrists, hips, knees, ankles), as ``pycocotools`` ships them.
_COCO_TENTHS = (0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89)
COCO_SIGMAS = tuple(v / 10.0 for v in _COCO_TENTHS)
_KEYPOINTS = re.compile(r"[\"']?keypoints[\"']?\s*:\s*", re.IGNORECASE)


def _bracketed(text: str) -> str | None:
    """The first balanced ``[...]`` in ``text``."""
    start = text.find("[")
    if start < 0:
        return None
    depth = 0
    for index in range(start, len(text)):
        depth += {"[": 1, "]": -1}.get(text[index], 0)
        if depth == 0:
            return text[start : index + 1]
    return None


def stated_keypoints(text: str) -> tuple[float, ...]:
    """The numbers of the keypoint list the completion states (after ``"keypoints":`` if present).

    >>> stated_keypoints('{"keypoints": [[10, 20], [30, 40]]}')
    (10.0, 20.0, 30.0, 40.0)
    """
    region = answer_region(text)
    key = _KEYPOINTS.search(region)
    block = _bracketed(region[key.end() :] if key else region)
    return numbers(block) if block else ()


def oks(predicted: np.ndarray, gold: np.ndarray, visible: np.ndarray, area: float, sigmas: np.ndarray) -> float:
    """COCO OKS = Σ_i exp(−d_i² / (2 s² k_i²)) δ(v_i > 0) / Σ_i δ(v_i > 0), k_i = 2σ_i, s² = area.

    Exactly as ``pycocotools.cocoeval.COCOeval.computeOks`` computes it for a ground truth with
    visible keypoints (including its ``np.spacing(1)`` added to the area).
    """
    variances = (sigmas * 2) ** 2
    squared = np.sum((predicted - gold) ** 2, axis=1)
    e = squared / variances / (area + np.spacing(1)) / 2
    return float(np.sum(np.exp(-e[visible])) / np.count_nonzero(visible))


@register("vision.keypoints")
class Keypoints(Grounding):
    """Object keypoint similarity (OKS) of the COCO keypoint challenge, per predicted object.

    *Microsoft COCO: Common Objects in Context* (Lin et al., 2014), keypoint evaluation:
    OKS = Σ_i exp(−d_i² / (2 s² k_i²)) δ(v_i > 0) / Σ_i δ(v_i > 0), with d_i the distance of
    predicted keypoint i from the gold one, v_i its gold visibility flag, s² the object's area
    and k_i = 2σ_i the keypoint's constant (COCO's person sigmas for 17 keypoints by default,
    else ``sigmas``). In [0, 1]; 1 for exact keypoints.

    The reference is a COCO annotation: ``{"keypoints": [x, y, v, ...], "area": A}`` (or
    ``"bbox": [x, y, w, h]``, whose w·h stands in for the area). The completion states the
    keypoints as ``[x, y, ...]``, ``[x, y, v, ...]`` or ``[[x, y], ...]`` (after a
    ``"keypoints":`` key if there is one); another count earns 0. Coordinates are pixels.

    >>> gold = {"keypoints": [10, 10, 2, 20, 20, 2], "area": 100}
    >>> Keypoints(sigmas=[0.05, 0.05])('{"keypoints": [[10, 10], [20, 20]]}', reference=gold).value
    1.0
    """

    example: ClassVar[dict[str, Any]] = {"type": "vision.keypoints", "sigmas": [0.05, 0.05]}

    def __init__(self, sigmas: list[float] | None = None, formats: list[str] | None = None) -> None:
        if sigmas is not None and (not sigmas or min(sigmas) <= 0):
            raise ValueError(f"sigmas: must be positive, got {sigmas!r}")
        self.sigmas = sigmas
        self._coordinates("pixels", "pixels", "xyxy", "xyxy", formats)

    def _gold(self, reference: Any) -> tuple[np.ndarray, np.ndarray, float]:
        if not isinstance(reference, dict) or "keypoints" not in reference:
            raise BadInput('reference: expected {"keypoints": [x, y, v, ...], "area": A}')
        try:
            flat = np.asarray(reference["keypoints"], dtype=float).reshape(-1, 3)
        except (TypeError, ValueError) as exc:
            raise BadInput(f"reference keypoints: need x, y, v triples: {exc}") from exc
        if "area" in reference:
            area = float(reference["area"])
        elif "bbox" in reference:
            area = float(reference["bbox"][2]) * float(reference["bbox"][3])
        else:
            raise BadInput("reference: needs the object's area (or a COCO bbox)")
        visible = flat[:, 2] > 0
        if not visible.any():
            raise BadInput("reference: no visible keypoint to compare with")
        return flat[:, :2], visible, area

    def evaluate(self, sample: Sample) -> RewardResult:
        gold, visible, area = self._gold(sample.reference)
        count = len(gold)
        sigmas = self.sigmas if self.sigmas is not None else (COCO_SIGMAS if count == 17 else None)
        if sigmas is None or len(sigmas) != count:
            raise BadInput(f"{count} keypoints need {count} sigmas (COCO's are for 17)")
        stated = stated_keypoints(sample.text)
        if not stated:
            return self.miss("no keypoints found")
        if len(stated) == 3 * count:
            predicted = np.asarray(stated).reshape(-1, 3)[:, :2]
        elif len(stated) == 2 * count:
            predicted = np.asarray(stated).reshape(-1, 2)
        else:
            return self.miss(f"{len(stated)} numbers for {count} keypoints")
        value = oks(predicted, gold, visible, area, np.asarray(sigmas, dtype=float))
        return RewardResult.ok(value, outcome="scored", visible=int(visible.sum()))

