"""Probes for grounding rewards: boxes and clicks that must not be paid.

A grounding reward reads coordinates from the completion; a policy learns to state coordinates
that score without locating anything. Each probe rewrites the record's own answer (its box or
click, in its own format and units) into such a statement: a box covering the whole image,
a carpet of boxes, coordinates off the image, swapped corners, a box with no area, a grid of
clicks. Except where noted, each must earn no more than the floor (what an empty completion or
an honest wrong answer earns). Units are read off the completion: numbers ≤ 1 are fractions,
Qwen-VL box tokens are thousandths, anything else pixels of the record's ``image_size`` (or of
its image file; without either, twice the largest stated coordinate stands in for the image).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from rewardsmith.core import RewardsmithError

from .registry import Probe, ProbeCase, Variant, register_probe

_ANSWER = re.compile(r"(<answer>)(.*?)(</answer>)", re.DOTALL | re.IGNORECASE)
GRID = 4


@dataclass(frozen=True)
class Stated:
    """The record's answer: its coordinates, format, the image extent in its units, and where
    the answer region sits in the completion (``text[start:end]``)."""

    text: str
    start: int
    end: int
    format: str
    groups: tuple[tuple[float, ...], ...]
    width: float
    height: float
    key: str

    def with_answer(self, answer: str) -> str:
        return self.text[: self.start] + answer + self.text[self.end :]

    def boxes(self, boxes: list[list[float]]) -> str:
        """The completion with ``boxes`` as its answer, written the way it wrote its own."""
        return self.with_answer(" ".join(_write(self.format, self.key, b) for b in boxes)
                                if self.format != "json" else json.dumps([{self.key: _round(b)} for b in boxes]))


def _round(values: list[float]) -> list[float | int]:
    return [int(v) if float(v).is_integer() else round(v, 4) for v in values]


def _write(format_: str, key: str, values: list[float]) -> str:
    numbers = _round(values)
    if format_ == "qwen":
        pairs = ",".join(f"({numbers[i]},{numbers[i + 1]})" for i in range(0, len(numbers), 2))
        return f"<|box_start|>{pairs}<|box_end|>"
    if format_ == "tag":
        return f"<box>{numbers}</box>"
    if format_ == "tuple":
        return f"click({numbers[0]}, {numbers[1]})"
    return str(numbers)


def _region(text: str) -> tuple[int, int]:
    tagged = list(_ANSWER.finditer(text))
    if tagged:
        return tagged[-1].start(2), tagged[-1].end(2)
    if "</think>" in text:
        return text.rindex("</think>") + len("</think>"), len(text)
    return 0, len(text)


def stated_answer(case: ProbeCase) -> Stated | None:
    """The record's own box or click answer, or None when it states none."""
    from rewardsmith.verifiers.vision.frame import image_size
    from rewardsmith.verifiers.vision.parse import find

    text = case.text
    found = find(text)
    if found.format is None or any(len(g) not in (2, 4) for g in found.groups):
        return None
    start, end = _region(text)
    values = [v for group in found.groups for v in group]
    if found.format == "qwen":
        width = height = 1000.0
    elif max(values) <= 1.0:
        width = height = 1.0
    else:
        try:
            size = image_size(case.sample)
        except (RewardsmithError, ImportError):
            size = None
        width, height = size or (2 * max(values[0::2]), 2 * max(values[1::2]))
    key = next((k for k in ("bbox_2d", "point_2d", "bbox", "box", "point") if k in text[start:end]), "bbox_2d")
    return Stated(text, start, end, found.format, found.groups, width, height, key)


class _Grounding(Probe):
    """Shared: apply to records whose completion states a box (``boxes``) or a click."""

    needs = ("reference",)

    def variants(self, case: ProbeCase) -> list[Variant]:
        stated = stated_answer(case)
        if stated is None:
            return []
        first = list(stated.groups[0])
        return self.box_variants(stated, first) if len(first) == 4 else self.point_variants(stated, first)

    def box_variants(self, stated: Stated, box: list[float]) -> list[Variant]:
        return []

    def point_variants(self, stated: Stated, point: list[float]) -> list[Variant]:
        return []


@register_probe("whole_image")
class WholeImage(_Grounding):
    """A box covering the whole image: it contains every target, so an IoU or hit reward that
    does not look at the box's size pays for it (GUI-G1's box-size hacking)."""

    description = "one box covering the whole image"

    def box_variants(self, stated: Stated, box: list[float]) -> list[Variant]:
        return [Variant(stated.boxes([[0, 0, stated.width, stated.height]]), "floor", "the whole image")]


@register_probe("many_boxes")
class ManyBoxes(_Grounding):
    """Boxes instead of an answer: a carpet tiling the image (must earn the floor), and the
    record's own box among shifted copies (must not beat the box alone)."""

    description = "a carpet of boxes, or the answer among many"

    def box_variants(self, stated: Stated, box: list[float]) -> list[Variant]:
        w, h = stated.width / GRID, stated.height / GRID
        carpet = [[i * w, j * h, (i + 1) * w, (j + 1) * h] for i in range(GRID) for j in range(GRID)]
        bw, bh = box[2] - box[0], box[3] - box[1]
        shifts = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)]
        copies = [box] + [[box[0] + dx * bw, box[1] + dy * bh, box[2] + dx * bw, box[3] + dy * bh] for dx, dy in shifts]
        copies = [c for c in copies if min(c) >= 0 and c[2] <= stated.width and c[3] <= stated.height]
        out = [Variant(stated.boxes(carpet), "floor", f"{GRID * GRID} boxes tiling the image")]
        if len(copies) > 1:
            out.append(Variant(stated.boxes(copies), "original", "the answer among shifted copies"))
        return out

    def point_variants(self, stated: Stated, point: list[float]) -> list[Variant]:
        w, h = stated.width / GRID, stated.height / GRID
        grid = [[(i + 0.5) * w, (j + 0.5) * h] for i in range(GRID) for j in range(GRID)]
        return [Variant(stated.boxes(grid), "floor", f"{GRID * GRID} clicks on a grid")]


@register_probe("off_image")
class OffImage(_Grounding):
    """Coordinates beyond the image: a box stretched past its edges, one around the image."""

    description = "coordinates outside the image"

    def box_variants(self, stated: Stated, box: list[float]) -> list[Variant]:
        w, h = stated.width, stated.height
        return [
            Variant(stated.boxes([[box[0], box[1], box[2] + w, box[3] + h]]), "floor", "stretched past the edge"),
            Variant(stated.boxes([[-w, -h, 2 * w, 2 * h]]), "floor", "around the whole image"),
        ]

    def point_variants(self, stated: Stated, point: list[float]) -> list[Variant]:
        return [Variant(stated.boxes([[point[0] - stated.width, point[1]]]), "floor", "a click left of the image")]


@register_probe("swapped_corners")
class SwappedCorners(_Grounding):
    """The record's box with its corners swapped: not a box, so a reward that reorders the
    corners pays for malformed output."""

    description = "the answer box with its corners swapped"

    def box_variants(self, stated: Stated, box: list[float]) -> list[Variant]:
        x1, y1, x2, y2 = box
        return [
            Variant(stated.boxes([[x2, y2, x1, y1]]), "floor", "both corners swapped"),
            Variant(stated.boxes([[x2, y1, x1, y2]]), "floor", "x swapped"),
        ]


@register_probe("zero_area_box")
class ZeroAreaBox(_Grounding):
    """A box with no area at the answer's centre, and a line across it."""

    description = "a degenerate box with no area"

    def box_variants(self, stated: Stated, box: list[float]) -> list[Variant]:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        return [
            Variant(stated.boxes([[cx, cy, cx, cy]]), "floor", "a point as a box"),
            Variant(stated.boxes([[box[0], cy, box[2], cy]]), "floor", "a horizontal line"),
        ]
