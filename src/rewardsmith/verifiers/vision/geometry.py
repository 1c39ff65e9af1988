"""Box arithmetic on ``(n, 4)`` arrays of ``x1, y1, x2, y2`` corners (numpy only).

IoU and GIoU follow *Generalized Intersection over Union* (Rezatofighi et al., CVPR 2019):
IoU = |A ∩ B| / |A ∪ B| and GIoU = IoU − |C \\ (A ∪ B)| / |C|, with C the smallest box that
encloses A and B. A box with no area has IoU 0 with everything.
"""

from __future__ import annotations

import numpy as np


def as_boxes(boxes: object) -> np.ndarray:
    """An ``(n, 4)`` float array of corners.

    >>> as_boxes([0, 0, 1, 1]).shape, as_boxes([[0, 0, 1, 1], [1, 1, 2, 2]]).shape
    ((1, 4), (2, 4))
    """
    array = np.asarray(boxes, dtype=float)
    return array.reshape(-1, 4)


def area(boxes: np.ndarray) -> np.ndarray:
    """(x2 − x1)(y2 − y1), 0 for a box whose corners are swapped or equal."""
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)


def _intersection_union(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low = np.maximum(a[:, None, :2], b[None, :, :2])
    high = np.minimum(a[:, None, 2:], b[None, :, 2:])
    sides = np.clip(high - low, 0, None)
    inter = sides[..., 0] * sides[..., 1]
    union = area(a)[:, None] + area(b)[None, :] - inter
    return inter, union


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` with every box of ``b``: an ``(n, m)`` array.

    >>> iou_matrix(as_boxes([0, 0, 2, 2]), as_boxes([[1, 1, 3, 3], [0, 0, 2, 2]])).tolist()
    [[0.14285714285714285, 1.0]]
    """
    inter, union = _intersection_union(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def giou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """GIoU of every box of ``a`` with every box of ``b``, in [−1, 1].

    >>> giou_matrix(as_boxes([0, 0, 1, 1]), as_boxes([2, 0, 3, 1])).tolist()
    [[-0.3333333333333333]]
    """
    inter, union = _intersection_union(a, b)
    low = np.minimum(a[:, None, :2], b[None, :, :2])
    high = np.maximum(a[:, None, 2:], b[None, :, 2:])
    sides = np.clip(high - low, 0, None)
    hull = sides[..., 0] * sides[..., 1]
    safe_union = np.where(union > 0, union, 1.0)
    safe_hull = np.where(hull > 0, hull, 1.0)
    iou = np.where(union > 0, inter / safe_union, 0.0)
    return np.where(hull > 0, iou - (hull - union) / safe_hull, iou)


def centre(boxes: np.ndarray) -> np.ndarray:
    """``(n, 2)`` centres ((x1 + x2) / 2, (y1 + y2) / 2)."""
    return (boxes[:, :2] + boxes[:, 2:]) / 2.0
