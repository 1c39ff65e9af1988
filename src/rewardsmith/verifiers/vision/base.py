"""What every grounding component shares: its coordinate parameters, reading the prediction and
the reference into one frame, and the rule that a record's fault is an error, a completion's a
floor value."""

from __future__ import annotations

import math
from typing import Any

from rewardsmith.core import ErrorKind, RewardResult, Sample
from rewardsmith.core.reward import Reward

from .frame import BadInput, BoxFormat, Frame, Units, make_frame, reference_groups, to_frame
from .parse import FORMATS, find


def check_formats(formats: list[str]) -> list[str]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats: choose from {list(FORMATS)}, got {formats!r}")
    return list(formats)


def box_problem(box: list[float], frame: Frame) -> str | None:
    """Why a box in frame coordinates is no answer: swapped corners, no area, off the image.

    >>> box_problem([10, 10, 5, 20], Frame(True, None, None)), box_problem([0, 0, 1, 1.5], Frame(False, 1, 1))
    ('swapped corners', 'outside the image')
    """
    x1, y1, x2, y2 = box
    if not all(math.isfinite(v) for v in box):
        return "non-finite coordinates"
    if x2 < x1 or y2 < y1:
        return "swapped corners"
    if x2 == x1 or y2 == y1:
        return "zero area"
    return point_problem([x1, y1], frame) or point_problem([x2, y2], frame)


def point_problem(point: list[float], frame: Frame) -> str | None:
    x, y = point
    if not (math.isfinite(x) and math.isfinite(y)):
        return "non-finite coordinates"
    if x < 0 or y < 0:
        return "outside the image"
    size = frame.size
    if size is not None and (x > size[0] or y > size[1]):
        return "outside the image"
    return None


class Grounding(Reward):
    """Base of the grounding components: parameters, frames, and error handling.

    Subclasses implement :meth:`evaluate`; a :class:`BadInput` raised there becomes an error
    result of kind ``bad_input`` and a missing package one of kind ``dependency``.
    """

    value_range = (0.0, 1.0)
    #: What a completion earns when it states no usable answer (no box, a hedge, an invalid box).
    floor = 0.0
    #: Whether the formula itself uses the image size (so a pixel frame must be sized).
    needs_size = False

    def _coordinates(
        self,
        units: Units = "pixels",
        reference_units: Units = "pixels",
        box_format: BoxFormat = "xyxy",
        reference_format: BoxFormat = "xyxy",
        formats: list[str] | None = None,
    ) -> None:
        self.units = units
        self.reference_units = reference_units
        self.box_format = box_format
        self.reference_format = reference_format
        self.formats = check_formats(list(FORMATS) if formats is None else formats)

    def score_one(self, sample: Sample) -> RewardResult:
        try:
            return self.evaluate(sample)
        except BadInput as exc:
            return RewardResult.fail(str(exc), kind=ErrorKind.BAD_INPUT)
        except ImportError as exc:
            return RewardResult.fail(str(exc), kind=ErrorKind.DEPENDENCY)

    def evaluate(self, sample: Sample) -> RewardResult:
        raise NotImplementedError

    def miss(self, outcome: str, **details: Any) -> RewardResult:
        """The floor value for a completion without a usable answer, saying why."""
        return RewardResult.ok(self.floor, outcome=outcome, **details)

    def frame(self, sample: Sample) -> Frame:
        return make_frame(sample, (self.units, self.reference_units), self.needs_size)

    def gold_boxes(self, sample: Sample, frame: Frame) -> list[list[float]]:
        """The reference boxes in frame coordinates; a BadInput when there are none or one is broken."""
        if sample.reference is None:
            raise BadInput("no reference box")
        groups = reference_groups(sample.reference)
        if not groups:
            raise BadInput(f"reference: no box in {str(sample.reference)[:80]!r}")
        boxes = []
        for group in groups:
            if len(group) != 4:
                raise BadInput(f"reference: a box has four numbers, got {list(group)}")
            box = to_frame(group, self.reference_units, self.reference_format, frame)
            problem = box_problem(box, Frame(frame.pixels, None, None))
            if problem:
                raise BadInput(f"reference box {list(group)}: {problem}")
            boxes.append(box)
        return boxes

    def stated(self, sample: Sample) -> list[tuple[float, ...]]:
        """The distinct coordinate groups the completion states, in its own units."""
        return find(sample.text, self.formats).distinct()

    def predicted_box(self, group: tuple[float, ...], frame: Frame) -> tuple[list[float] | None, str | None]:
        """(box in frame coordinates, None) or (None, why it is no answer)."""
        if len(group) != 4:
            return None, f"not a box: {list(group)}"
        box = to_frame(group, self.units, self.box_format, frame)
        problem = box_problem(box, frame)
        return (None, problem) if problem else (box, None)
