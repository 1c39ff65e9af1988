"""Click rewards for GUI agents: ``vision.point_in_box`` (hit), ``vision.gaussian_point`` and
``vision.gaussian_coverage`` (GUI-G²).

A click is a stated point; a stated box counts as a click at its centre, as GUI-G1's hit reward
and GUI-G²'s point reward read a predicted box. The gold element is one box.
"""

from __future__ import annotations

import math

from rewardsmith.core import RewardResult, Sample, register

from .base import Grounding, point_problem
from .frame import BadInput, BoxFormat, Frame, Units, to_frame


class _Click(Grounding):
    """Shared: the gold box and the one click (or box) the completion states."""

    #: Whether a stated box is read as a click at its centre (else only points count).
    accepts_box = True

    def __init__(
        self,
        units: Units = "pixels",
        reference_units: Units = "pixels",
        box_format: BoxFormat = "xyxy",
        reference_format: BoxFormat = "xyxy",
        formats: list[str] | None = None,
    ) -> None:
        self._coordinates(units, reference_units, box_format, reference_format, formats)

    def gold(self, sample: Sample, frame: Frame) -> list[float]:
        boxes = self.gold_boxes(sample, frame)
        if len(boxes) > 1:
            raise BadInput(f"reference has {len(boxes)} boxes; the gold element is one box")
        return boxes[0]

    def evaluate(self, sample: Sample) -> RewardResult:
        frame = self.frame(sample)
        gold = self.gold(sample, frame)
        stated = self.stated(sample)
        if not stated:
            return self.miss("no click found")
        if len(stated) > 1:
            return self.miss("hedge", stated=len(stated))
        group = stated[0]
        if len(group) == 4 and self.accepts_box:
            box, problem = self.predicted_box(group, frame)
            if box is None:
                return self.miss(problem or "no box", box=list(group))
            return self.score_box(box, gold)
        if len(group) != 2:
            return self.miss(f"not a point: {list(group)}")
        point = to_frame(group, self.units, self.box_format, frame)
        problem = point_problem(point, frame)
        if problem:
            return self.miss(problem, point=list(group))
        return self.score_point(point, gold)

    def score_box(self, box: list[float], gold: list[float]) -> RewardResult:
        return self.score_point([(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0], gold)

    def score_point(self, point: list[float], gold: list[float]) -> RewardResult:
        raise NotImplementedError


@register("vision.point_in_box")
class PointInBox(_Click):
    """1 when the click lies inside the gold element, else 0 (borders count as inside).

    The grounding accuracy reward of *GUI-R1* (Luo et al., 2025) and R_hit of *GUI-G1* (Zhou et
    al., 2025): r = 1[x1 ≤ x ≤ x2 and y1 ≤ y ≤ y2], with (x, y) the click or the centre of the
    predicted box.

    >>> PointInBox()("click(105, 40)", reference=[100, 30, 140, 50]).value
    1.0
    >>> PointInBox()('{"point_2d": [99, 40]}', reference=[100, 30, 140, 50]).value
    0.0
    """

    def score_point(self, point: list[float], gold: list[float]) -> RewardResult:
        x, y = point
        inside = gold[0] <= x <= gold[2] and gold[1] <= y <= gold[3]
        return RewardResult.ok(1.0 if inside else 0.0, outcome="scored", point=[x, y])


@register("vision.gaussian_point")
class GaussianPoint(_Click):
    """GUI-G²'s Gaussian point reward: the gold element as a 2-D Gaussian, read at the click.

    *GUI-G²: Gaussian Reward Modeling for GUI Grounding* (Tang et al., 2025):
    R_point = exp(−½ ((x − μ_x)² / σ_x² + (y − μ_y)² / σ_y²)), with μ the gold box's centre and
    the adaptive variance σ_x = α·w, σ_y = α·h (w, h: the gold box's width and height); α = 0.5
    in the authors' code. (x, y) is the click or the centre of the predicted box.

    >>> GaussianPoint()("(120, 40)", reference=[100, 30, 140, 50]).value
    1.0
    >>> round(GaussianPoint()("(140, 40)", reference=[100, 30, 140, 50]).value, 6)  # one σ off
    0.606531
    """

    def __init__(
        self,
        alpha: float = 0.5,
        units: Units = "pixels",
        reference_units: Units = "pixels",
        box_format: BoxFormat = "xyxy",
        reference_format: BoxFormat = "xyxy",
        formats: list[str] | None = None,
    ) -> None:
        if alpha <= 0:
            raise ValueError(f"alpha: must be positive, got {alpha}")
        self.alpha = alpha
        super().__init__(units, reference_units, box_format, reference_format, formats)

    def score_point(self, point: list[float], gold: list[float]) -> RewardResult:
        mu_x, mu_y = (gold[0] + gold[2]) / 2.0, (gold[1] + gold[3]) / 2.0
        sigma_x, sigma_y = self.alpha * (gold[2] - gold[0]), self.alpha * (gold[3] - gold[1])
        exponent = -0.5 * ((point[0] - mu_x) ** 2 / sigma_x**2 + (point[1] - mu_y) ** 2 / sigma_y**2)
        return RewardResult.ok(math.exp(exponent), outcome="scored", point=point)


@register("vision.gaussian_coverage")
class GaussianCoverage(_Click):
    """GUI-G²'s Gaussian coverage reward: overlap of the predicted and the gold box as Gaussians.

    *GUI-G²: Gaussian Reward Modeling for GUI Grounding* (Tang et al., 2025), as the authors'
    code computes it: each box becomes N(μ, Σ) with μ its centre and Σ = diag((α·w)², (α·h)²);
    R_coverage = exp(−D_B), the Bhattacharyya coefficient, with
    D_B = ⅛ (μ_p − μ_g)ᵀ Σ⁻¹ (μ_p − μ_g) + ½ ln(det Σ / √(det Σ_p · det Σ_g)), Σ = (Σ_p + Σ_g) / 2.
    It is 1 only for the gold box itself and falls both for a box too small and one too large.
    (The authors' code adds 10⁻⁸ to Σ before inverting it and rounds to three decimals; this is
    the exact value.)
    Needs a predicted box (a bare point has no extent and earns the floor).

    >>> GaussianCoverage()("[100, 30, 140, 50]", reference=[100, 30, 140, 50]).value
    1.0
    >>> round(GaussianCoverage()("[110, 35, 130, 45]", reference=[100, 30, 140, 50]).value, 6)
    0.8
    """

    accepts_box = True

    def __init__(
        self,
        alpha: float = 0.5,
        units: Units = "pixels",
        reference_units: Units = "pixels",
        box_format: BoxFormat = "xyxy",
        reference_format: BoxFormat = "xyxy",
        formats: list[str] | None = None,
    ) -> None:
        if alpha <= 0:
            raise ValueError(f"alpha: must be positive, got {alpha}")
        self.alpha = alpha
        super().__init__(units, reference_units, box_format, reference_format, formats)

    def score_point(self, point: list[float], gold: list[float]) -> RewardResult:
        return self.miss("a point, not a box", point=point)

    def score_box(self, box: list[float], gold: list[float]) -> RewardResult:
        distance = 0.0
        for axis in (0, 1):
            mu_p, mu_g = (box[axis] + box[axis + 2]) / 2.0, (gold[axis] + gold[axis + 2]) / 2.0
            var_p = (self.alpha * (box[axis + 2] - box[axis])) ** 2
            var_g = (self.alpha * (gold[axis + 2] - gold[axis])) ** 2
            var = (var_p + var_g) / 2.0
            distance += (mu_p - mu_g) ** 2 / (8.0 * var) + 0.5 * math.log(var / math.sqrt(var_p * var_g))
        return RewardResult.ok(math.exp(-distance), outcome="scored", bhattacharyya_distance=distance)
