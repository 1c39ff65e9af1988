"""One coordinate frame for prediction and reference: units, box layout and the image size.

Grounding models write pixels of the image they saw (Qwen2.5-VL), thousandths of its sides
(Qwen-VL's 0–1000 grid) or fractions of them; datasets store any of the three, as corners
(``xyxy``) or corner and size (``xywh``). A reward compares like with like: both sides are
converted to pixels when either is in pixels (that needs the image size), else to fractions.
The image size is the record's ``image_size`` (``[width, height]`` or ``{"width", "height"}``),
else the header of the record's ``image`` / ``image_path`` file, read with Pillow (the
``vision`` extra). Give the size of the image the model saw, after any resizing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from rewardsmith.core import RewardsmithError, Sample

Units = Literal["pixels", "normalised", "thousandths"]
BoxFormat = Literal["xyxy", "xywh"]
_PER_UNIT = {"normalised": 1.0, "thousandths": 1000.0}


class BadInput(RewardsmithError):
    """The record cannot be read: a missing or malformed reference, no usable image size."""

    kind = "bad_input"


@lru_cache(maxsize=4096)
def _image_file_size(path: str) -> tuple[float, float]:
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError(
            "reading the image size from the image file needs Pillow: pip install 'rewardsmith[vision]' "
            "(or give the record an image_size field)"
        ) from exc
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read the image {path!r}: {exc}") from exc
    return float(width), float(height)


def image_size(sample: Sample) -> tuple[float, float] | None:
    """(width, height) from the record's ``image_size``, else its image file; None if neither.

    >>> image_size(Sample("", extra={"image_size": [1920, 1080]}))
    (1920.0, 1080.0)
    >>> image_size(Sample("", extra={"image_size": {"width": 640, "height": 480}}))
    (640.0, 480.0)
    """
    size = sample.extra.get("image_size")
    if size is not None:
        try:
            width, height = (size["width"], size["height"]) if isinstance(size, dict) else size
            width, height = float(width), float(height)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"image_size: expected [width, height], got {size!r}") from exc
        if not (width > 0 and height > 0):
            raise BadInput(f"image_size: width and height must be positive, got {size!r}")
        return width, height
    for key in ("image", "image_path"):
        path = sample.extra.get(key)
        if isinstance(path, str) and path:
            if not Path(path).is_file():
                raise BadInput(f"{key}: no image file at {path!r}")
            return _image_file_size(path)
    return None


@dataclass(frozen=True)
class Frame:
    """The shared frame: ``pixels`` or fractions, and its width and height in its own units
    (None when pixels are compared without a known image size)."""

    pixels: bool
    width: float | None
    height: float | None

    @property
    def sized(self) -> bool:
        return self.size is not None

    @property
    def size(self) -> tuple[float, float] | None:
        """(width, height) when both are known."""
        return None if self.width is None or self.height is None else (self.width, self.height)

    def scale(self, units: Units) -> tuple[float, float]:
        """Factors taking coordinates in ``units`` into this frame."""
        if units == "pixels":
            return 1.0, 1.0
        per = _PER_UNIT[units]
        if not self.pixels:
            return 1.0 / per, 1.0 / per
        size = self.size
        if size is None:
            raise BadInput(
                f"coordinates in {units} are compared with pixels, which needs the image size "
                "(an image_size field, or an image / image_path file)"
            )
        return size[0] / per, size[1] / per


def make_frame(sample: Sample, units: tuple[Units, ...], need_size: bool = False) -> Frame:
    """The frame for a record whose coordinates come in ``units``.

    The image size is read when pixels meet another unit or ``need_size`` says the formula
    uses it; otherwise a record without one is still scored.
    """
    pixels = "pixels" in units
    if not pixels:
        return Frame(False, 1.0, 1.0)
    size = image_size(sample) if (need_size or len(set(units)) > 1) else _optional_size(sample)
    if size is None and need_size:
        raise BadInput("this reward needs the image size (an image_size field, or an image / image_path file)")
    return Frame(True, *(size or (None, None)))


def _optional_size(sample: Sample) -> tuple[float, float] | None:
    """The size when the record states one; an image file is opened only when it is needed."""
    return image_size(sample) if "image_size" in sample.extra else None


def to_frame(group: tuple[float, ...] | list[float], units: Units, box_format: BoxFormat, frame: Frame) -> list[float]:
    """A box (four numbers) or point (two) in ``frame`` coordinates, corners for a box.

    >>> to_frame((100, 200, 50, 40), "pixels", "xywh", Frame(True, None, None))
    [100.0, 200.0, 150.0, 240.0]
    >>> to_frame((500, 250), "thousandths", "xyxy", Frame(True, 640.0, 480.0))
    [320.0, 120.0]
    """
    values = [float(v) for v in group]
    if len(values) == 4 and box_format == "xywh":
        values = [values[0], values[1], values[0] + values[2], values[1] + values[3]]
    sx, sy = frame.scale(units)
    return [v * (sx if index % 2 == 0 else sy) for index, v in enumerate(values)]


def reference_groups(reference: Any, keys: tuple[str, ...] = ("bbox_2d", "bbox", "box")) -> list[tuple[float, ...]]:
    """The coordinate groups of a reference: numbers, a list of them, a dict with a box key, a
    list of such dicts, or text in any completion format.

    >>> reference_groups([1, 2, 3, 4]), reference_groups({"bbox": [1, 2, 3, 4]})
    ([(1.0, 2.0, 3.0, 4.0)], [(1.0, 2.0, 3.0, 4.0)])
    >>> reference_groups("<answer>[1, 2, 3, 4]</answer>")
    [(1.0, 2.0, 3.0, 4.0)]
    """
    from .parse import find

    if isinstance(reference, str):
        return list(find(reference).groups)
    if isinstance(reference, dict):
        for key in keys:
            if key in reference:
                return reference_groups(reference[key], keys)
        raise BadInput(f"reference: a dict needs one of the keys {list(keys)}, got {sorted(reference)[:6]}")
    if isinstance(reference, list | tuple) and reference:
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in reference):
            return [tuple(float(v) for v in reference)]
        groups: list[tuple[float, ...]] = []
        for item in reference:
            groups += reference_groups(item, keys)
        return groups
    raise BadInput(f"reference: expected coordinates, got {reference!r:.80}")
