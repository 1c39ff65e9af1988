"""``vision.mask_iou``: IoU of segmentation masks given as COCO RLE or polygons (numpy only)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from rewardsmith.core import RewardResult, Sample, register

from .base import Grounding
from .frame import BadInput, image_size
from .parse import answer_region


def rle_counts(counts: str | list[int]) -> list[int]:
    """Run lengths of a COCO RLE, decoding the compressed string form when given one.

    The string form (``pycocotools``' ``rleToString``) writes each count in 5-bit groups as
    characters from 48, a 0x20 bit marking that more follow and 0x10 the sign; from the third
    count on it stores the difference to the count two places back.

    >>> rle_counts("522000OO2")  # pycocotools' encoding of a 4 x 5 mask
    [5, 2, 2, 2, 2, 2, 1, 1, 3]
    """
    if not isinstance(counts, str):
        return [int(c) for c in counts]
    out: list[int] = []
    position = 0
    while position < len(counts):
        value = shift = 0
        more = True
        while more:
            if position >= len(counts):
                raise BadInput("RLE counts: the string ends inside a number")
            char = ord(counts[position]) - 48
            value |= (char & 0x1F) << (5 * shift)
            more = bool(char & 0x20)
            position += 1
            shift += 1
            if not more and char & 0x10:
                value |= -1 << (5 * shift)
        if len(out) > 2:
            value += out[-2]
        out.append(value)
    return out


def rle_mask(rle: dict[str, Any]) -> np.ndarray:
    """The boolean ``(height, width)`` mask of a COCO RLE (column-major runs, zeros first)."""
    try:
        height, width = (int(v) for v in rle["size"])
        counts = rle_counts(rle["counts"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"RLE: expected {{'size': [h, w], 'counts': ...}}: {exc}") from exc
    if sum(counts) != height * width or min(counts, default=0) < 0:
        raise BadInput(f"RLE: counts sum to {sum(counts)}, not {height} x {width}")
    values = np.arange(len(counts)) % 2 == 1
    return np.repeat(values, counts).reshape((height, width), order="F")


def polygon_mask(polygons: list[list[float]], height: int, width: int) -> np.ndarray:
    """Pixels whose centres lie inside any polygon (even-odd rule), as a boolean mask.

    >>> int(polygon_mask([[0, 0, 4, 0, 4, 2, 0, 2]], 5, 5).sum())
    8
    """
    mask = np.zeros((height, width), dtype=bool)
    for polygon in polygons:
        xs, ys = np.asarray(polygon[0::2], dtype=float), np.asarray(polygon[1::2], dtype=float)
        if len(xs) < 3 or len(xs) != len(ys) or not np.all(np.isfinite(polygon)):
            continue
        top, bottom = max(0, math.floor(ys.min())), min(height, math.ceil(ys.max()) + 1)
        left, right = max(0, math.floor(xs.min())), min(width, math.ceil(xs.max()) + 1)
        if top >= bottom or left >= right:
            continue
        py = (np.arange(top, bottom) + 0.5)[:, None]
        px = (np.arange(left, right) + 0.5)[None, :]
        inside = np.zeros((bottom - top, right - left), dtype=bool)
        edges = zip(xs, ys, np.roll(xs, -1), np.roll(ys, -1), strict=True)
        for x1, y1, x2, y2 in edges:
            if y1 == y2:
                continue
            crosses = (y1 > py) != (y2 > py)
            x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (px < x_cross)
        mask[top:bottom, left:right] |= inside
    return mask


def _first_json(text: str) -> Any:
    decoder = json.JSONDecoder()
    for index, char in enumerate(text):
        if char in "[{":
            try:
                return decoder.raw_decode(text, index)[0]
            except json.JSONDecodeError:
                continue
    return None


def as_mask(value: Any, size: tuple[int, int] | None) -> np.ndarray | None:
    """A mask from an RLE dict, ``{"segmentation": ...}``, or polygons (a flat list or a list of them).

    None when ``value`` is none of these; polygons need ``size`` = (height, width).
    """
    if isinstance(value, dict):
        if "counts" in value:
            return rle_mask(value)
        for key in ("segmentation", "mask", "polygon", "polygons"):
            if key in value:
                return as_mask(value[key], size)
        return None
    if isinstance(value, list) and value:
        polygons = value if isinstance(value[0], list) else [value]
        if isinstance(polygons[0][0], list):  # [[x, y], ...] points of one polygon
            polygons = [[c for point in polygon for c in point] for polygon in polygons]
        if not all(isinstance(c, int | float) for polygon in polygons for c in polygon):
            return None
        if size is None:
            raise BadInput("polygons need the image size (an image_size field, an image file, or an RLE reference)")
        return polygon_mask(polygons, *size)
    return None


@register("vision.mask_iou")
class MaskIoU(Grounding):
    """IoU of the predicted and the gold segmentation mask: |P ∩ G| / |P ∪ G|.

    The mask IoU of COCO's segmentation evaluation (Lin et al., 2014) and the reward of
    segmentation reasoners such as *Seg-Zero* (Liu et al., 2025) when the mask itself is the
    answer. Masks are COCO RLE (``{"size": [h, w], "counts": ...}``, compressed string or run
    list) or polygons in pixels (``[x1, y1, x2, y2, ...]``, a list of them, or ``[[x, y], ...]``),
    rasterised at pixel centres by the even-odd rule (no OpenCV or pycocotools needed; polygon
    edges may differ from pycocotools' rasteriser by a pixel). The completion's mask is the
    first JSON value in its answer; none, or one of another size, earns 0.

    >>> gold = {"size": [2, 2], "counts": [0, 2, 2]}  # the left column
    >>> MaskIoU()('{"counts": [0, 4], "size": [2, 2]}', reference=gold).value
    0.5
    """

    def __init__(self) -> None:
        self._coordinates()

    def evaluate(self, sample: Sample) -> RewardResult:
        size = image_size(sample)
        shape = (int(size[1]), int(size[0])) if size else None
        if sample.reference is None:
            raise BadInput("no reference mask")
        gold = as_mask(sample.reference, shape)
        if gold is None:
            raise BadInput(f"reference: not an RLE or polygons: {str(sample.reference)[:80]!r}")
        if not gold.any():
            raise BadInput("reference: the mask is empty")
        predicted_value = _first_json(answer_region(sample.text))
        if predicted_value is None:
            return self.miss("no mask found")
        try:
            predicted = as_mask(predicted_value, gold.shape)
        except BadInput as exc:
            return self.miss(f"unreadable mask: {exc}")
        if predicted is None:
            return self.miss("no mask found")
        if predicted.shape != gold.shape:
            return self.miss(f"mask of size {list(predicted.shape)}, not {list(gold.shape)}")
        inter = int(np.logical_and(predicted, gold).sum())
        union = int(np.logical_or(predicted, gold).sum())
        return RewardResult.ok(inter / union, outcome="scored", intersection=inter, union=union)
