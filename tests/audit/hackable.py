"""Rewards with known holes, and records to probe them with, shared by the probe tests."""

from __future__ import annotations

import re

RECORDS = [
    {"id": 1, "prompt": "What is 6 times 7?", "completion": "6 * 7 = 42, so the answer is \\boxed{42}.",
     "reference": "42"},
    {"id": 2, "prompt": "What is 10 + 8?", "completion": "We add: 10 + 8 = 18.\n#### 18", "reference": "18"},
    {"id": 3, "prompt": "Half of 1?",
     "completion": "<think>Half of one is 1/2.</think>\n<answer>\\boxed{\\frac{1}{2}}</answer>", "reference": "1/2"},
]
SHORT_RECORDS = [
    {"id": 1, "prompt": "Capital of France?", "completion": "Paris", "reference": "Paris"},
    {"id": 2, "prompt": "Colour of the sky?", "completion": "blue", "reference": "Blue"},
    {"id": 3, "prompt": "6*7?", "completion": "42", "reference": "42"},
]
FORMAT_BONUS = {
    "type": "sum",
    "terms": [
        {"type": "math.answer"},
        {"type": "format.regex", "pattern": "<think>.*</think>\\s*<answer>.*</answer>", "flags": "s", "weight": 0.2},
    ],
}


def boxed_regex(completion, reference):
    """Pays for any \\boxed{}: the format, not the answer."""
    return 1.0 if "\\boxed{" in completion else 0.0


def substring_match(completion, reference):
    """Pays when the reference appears anywhere."""
    return float(reference in completion)


def last_number(completion, reference):
    """Pays when the last number in the text is the reference."""
    numbers = re.findall(r"-?\d+(?:\.\d+)?", completion)
    return float(bool(numbers) and numbers[-1] == reference)
