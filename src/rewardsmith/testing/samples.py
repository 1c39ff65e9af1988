"""Default sample sets of the conformance battery, one per kind of component.

Each set mixes good samples with bad ones (no reference, an empty or chat-shaped completion, an
unreadable reference), groups of several completions per prompt, and the stored fields that
components read from a record (``score``, ``step_scores``, ``reference_completions``). Every
record is plain JSON, so the same set can travel through a data file, the server and the
trainer adapters unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rewardsmith.core import Reward, Sample
from rewardsmith.core.composition import child_slots

GENERAL: list[dict[str, Any]] = [
    {
        "prompt": "Capital of France?",
        "completion": "<think>The capital is Paris.</think> <answer>Paris</answer>",
        "reference": "Paris",
        "group": "q1",
        "score": 0.5,
        "step_scores": [0.9, 0.4, 0.8],
        "reference_completions": ["Paris", 0.25],
    },
    {
        "prompt": "Capital of France?",
        "completion": "Lyon",
        "reference": "Paris",
        "group": "q1",
        "score": 1.5,
        "step_scores": [0.2],
        "reference_completions": ["Paris"],
    },
    {
        "prompt": "Capital of France?",
        "completion": "The answer is Paris, the capital of France since the tenth century.",
        "reference": "Paris",
        "group": "q1",
        "score": -1.0,
        "step_scores": [0.5, 0.75, 1.0],
        "reference_completions": [0.5],
    },
    {
        "prompt": "2+2?",
        "completion": "4",
        "reference": "4",
        "group": "q2",
        "score": 3.0,
        "step_scores": [1.0, 0.0],
        "reference_completions": ["4", "5"],
    },
    {
        "prompt": "2+2?",
        "completion": "",
        "reference": "4",
        "group": "q2",
        "score": 0.0,
        "step_scores": [],
        "reference_completions": [],
    },
    {
        "prompt": "Name a colour.",
        "completion": [{"role": "assistant", "content": "red"}],
        "group": "q3",
    },
]

MATH: list[dict[str, Any]] = [
    {"prompt": "What is 1/2 + 1/4?", "completion": "It is \\boxed{\\frac{3}{4}}.", "reference": "3/4", "group": "m1"},
    {"prompt": "What is 1/2 + 1/4?", "completion": "The answer is 0.75", "reference": "3/4", "group": "m1"},
    {"prompt": "What is 1/2 + 1/4?", "completion": "The answer is 1.", "reference": "3/4", "group": "m1"},
    {"prompt": "What is 2 + 3?", "completion": "2 + 3 = 5", "reference": "#### 5", "group": "m2"},
    {"prompt": "What is 2 + 3?", "completion": "I do not know", "reference": "5", "group": "m2"},
    {"prompt": "What is 2 + 3?", "completion": "\\boxed{5}", "group": "m2"},
]

CODE: list[dict[str, Any]] = [
    {
        "prompt": "Write add(a, b).",
        "completion": "```python\ndef add(a, b):\n    return a + b\n```",
        "reference": {"asserts": ["assert add(1, 2) == 3", "assert add(2, 2) == 4"]},
        "group": "c1",
    },
    {
        "prompt": "Write add(a, b).",
        "completion": "```python\ndef add(a, b):\n    return a - b\n```",
        "reference": {"asserts": ["assert add(1, 2) == 3", "assert add(2, 2) == 4"]},
        "group": "c1",
    },
    {"prompt": "Write add(a, b).", "completion": "```python\ndef add(a, b)\n```", "group": "c1"},
]

TOOLCALL: list[dict[str, Any]] = [
    {
        "prompt": "Weather in Paris?",
        "completion": '<tool_call>{"name": "weather", "arguments": {"city": "Paris"}}</tool_call>',
        "reference": [{"name": "weather", "arguments": {"city": "Paris"}}],
        "group": "t1",
    },
    {
        "prompt": "Weather in Paris?",
        "completion": '<tool_call>{"name": "weather", "arguments": {"city": "Rome"}}</tool_call>',
        "reference": [{"name": "weather", "arguments": {"city": "Paris"}}],
        "group": "t1",
    },
    {"prompt": "Weather in Paris?", "completion": "<tool_call>{not json</tool_call>", "group": "t1"},
]

BOXES: list[dict[str, Any]] = [
    {"prompt": "Where is OK?", "completion": '<answer>[{"bbox_2d": [600, 500, 700, 540]}]</answer>',
     "reference": [610, 505, 705, 545], "image_size": [1000, 800], "group": "v1"},
    {"prompt": "Where is OK?", "completion": "<box>(100,60),(140,100)</box> or [0, 0, 5, 5]",
     "reference": [610, 505, 705, 545], "image_size": [1000, 800], "group": "v1"},
    {"prompt": "Where is OK?", "completion": "click(650, 520)", "reference": [610, 505, 705, 545],
     "image_size": [1000, 800], "group": "v1"},
    {"prompt": "Find the logo.", "completion": "[40, 30, 200, 120]", "reference": {"bbox": [35, 25, 210, 118]},
     "group": "v2"},
    {"prompt": "Find the logo.", "completion": "[200, 120, 40, 30]", "reference": [35, 25, 210, 118], "group": "v2"},
    {"prompt": "Find the logo.", "completion": "[40, 30, 200, 120]", "reference": [1, 2, 3], "group": "v2"},
]

KEYPOINTS: list[dict[str, Any]] = [
    {"prompt": "Locate the eyes.", "completion": '{"keypoints": [[10, 10], [31, 20]]}',
     "reference": {"keypoints": [10, 10, 2, 30, 20, 2], "area": 400}, "group": "k1"},
    {"prompt": "Locate the eyes.", "completion": "[12, 9, 1, 28, 22, 1]",
     "reference": {"keypoints": [10, 10, 2, 30, 20, 1], "area": 400}, "group": "k1"},
    {"prompt": "Locate the eyes.", "completion": "[12, 9]", "reference": {"keypoints": [10, 10, 2, 30, 20, 2]},
     "group": "k1"},
]

MASKS: list[dict[str, Any]] = [
    {"prompt": "Segment it.", "completion": '{"size": [4, 4], "counts": [0, 8, 8]}',
     "reference": {"size": [4, 4], "counts": [0, 4, 12]}, "group": "s1"},
    {"prompt": "Segment it.", "completion": "[[0, 0, 2, 0, 2, 4, 0, 4]]",
     "reference": {"size": [4, 4], "counts": "04<"}, "group": "s1"},
    {"prompt": "Segment it.", "completion": "no mask", "reference": {"size": [4, 4], "counts": [0, 16]}, "group": "s1"},
]

#: The sample set of a component kind, by the prefix of its registered name (first match wins).
KINDS: dict[str, list[dict[str, Any]]] = {
    "math.": MATH,
    "code.": CODE,
    "toolcall.": TOOLCALL,
    "vision.keypoints": KEYPOINTS,
    "vision.mask_iou": MASKS,
    "vision.": BOXES,
}


def _leaves(reward: Reward) -> Iterator[Reward]:
    yield reward
    for _, _, child in child_slots(reward):
        yield from _leaves(child)


def default_records(reward: Reward) -> list[dict[str, Any]]:
    """The records of the first kind found in ``reward``'s tree (the general set otherwise)."""
    for node in _leaves(reward):
        for prefix, records in KINDS.items():
            if node.name.startswith(prefix):
                return records
    return GENERAL


def default_samples(reward: Reward) -> list[Sample]:
    """Fresh samples of :func:`default_records` for ``reward``."""
    return [Sample.from_record(dict(record)) for record in default_records(reward)]
