"""Read coordinates from a completion: boxes and points in the formats grounding models write.

Formats, tried in the order given (the first that states anything is the answer):

* ``qwen``: Qwen-VL box tokens, ``<|box_start|>(x1,y1),(x2,y2)<|box_end|>`` (a point: one pair);
* ``tag``: ``<box>…</box>`` or ``<point>…</point>`` holding the numbers;
* ``json``: ``"bbox_2d": [...]`` as Qwen2.5-VL writes it, and ``bbox``, ``box``, ``point_2d``,
  ``point``, in JSON or a Python literal, alone or inside a list of objects;
* ``list``: a bare ``[x1, y1, x2, y2]`` or ``[x, y]``;
* ``tuple``: ``(x, y)`` pairs, as in ``click(x, y)`` (points only: a box is four numbers).

Only the answer is read: the last ``<answer>…</answer>`` if there is one, else the text after
the last ``</think>``, else the whole completion. Each stated group keeps its numbers as
written; the caller decides whether two numbers are a point and four a box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER = re.compile(NUMBER)
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_PATTERNS = {
    "qwen": re.compile(r"<\|box_start\|>(.*?)<\|box_end\|>", re.DOTALL),
    "tag": re.compile(r"<(?:box|point|bbox)>(.*?)</(?:box|point|bbox)>", re.DOTALL | re.IGNORECASE),
    "json": re.compile(r"[\"']?(?:bbox_2d|bbox|box|point_2d|point)[\"']?\s*:\s*\[([^\[\]]*)\]", re.IGNORECASE),
    "list": re.compile(rf"\[\s*((?:{NUMBER}\s*,\s*){{1,3}}{NUMBER})\s*\]"),
    "tuple": re.compile(rf"\(\s*(?:x\s*=\s*)?({NUMBER})\s*,\s*(?:y\s*=\s*)?({NUMBER})\s*\)"),
}
FORMATS = tuple(_PATTERNS)


@dataclass(frozen=True)
class Stated:
    """What a completion states: the format it used and each group of numbers, in order."""

    format: str | None
    groups: tuple[tuple[float, ...], ...] = field(default_factory=tuple)

    def distinct(self) -> list[tuple[float, ...]]:
        """The groups without repeats (the same box twice is one answer, not a hedge)."""
        return list(dict.fromkeys(self.groups))


def answer_region(text: str) -> str:
    """The part of a completion that holds its answer.

    >>> answer_region("<think>maybe [1, 2]</think><answer>[3, 4]</answer>")
    '[3, 4]'
    >>> answer_region("<think>maybe [1, 2]</think> so [3, 4]")
    ' so [3, 4]'
    """
    tagged = _ANSWER.findall(text)
    if tagged:
        return tagged[-1]
    if "</think>" in text:
        return text.rsplit("</think>", 1)[1]
    return text


def numbers(text: str) -> tuple[float, ...]:
    return tuple(float(n) for n in _NUMBER.findall(text))


def find(text: str, formats: tuple[str, ...] | list[str] = FORMATS) -> Stated:
    """The coordinate groups of the first format in ``formats`` that ``text`` uses.

    >>> find('[{"bbox_2d": [10, 20, 110, 220], "label": "cat"}]')
    Stated(format='json', groups=((10.0, 20.0, 110.0, 220.0),))
    >>> find("<|box_start|>(120,45),(300,98)<|box_end|>").groups
    ((120.0, 45.0, 300.0, 98.0),)
    >>> find("click(x=0.5, y=0.25)").groups
    ((0.5, 0.25),)
    >>> find("no coordinates here")
    Stated(format=None, groups=())
    """
    region = answer_region(text)
    for name in formats:
        pattern = _PATTERNS[name]
        groups: tuple[tuple[float, ...], ...]
        if name == "tuple":
            groups = tuple((float(m.group(1)), float(m.group(2))) for m in pattern.finditer(region))
        else:
            groups = tuple(numbers(m.group(1)) for m in pattern.finditer(region))
        if groups:
            return Stated(name, groups)
    return Stated(None)
