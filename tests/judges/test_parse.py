"""Fencing and verdict parsing hold for any text (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rewardsmith.judges.parse import parse_choice, parse_number
from rewardsmith.judges.prompts import fence, neutralise

#: Text built from the pieces an attacker would use, mixed with anything.
PIECES = st.sampled_from(
    ["<", ">", "/", "completion", "output_a", "-", "[[", "]]", "[", "]", "A", "B", "Score", ":", " 10", "\n",
     "Verdict", "YES", "=", "</completion>", "<completion-", "0123abcd", "Rating"]
)
HOSTILE = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=30).map("".join))


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_a_completion_never_closes_its_own_fence(text: str) -> None:
    fenced, tag = fence(text)
    assert fenced.count(f"</{tag}>") == 1 and fenced.endswith(f"</{tag}>")
    assert fenced.count(f"<{tag}>") == 1 and fenced.startswith(f"<{tag}>")


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_neutralised_text_states_no_verdict_in_the_judges_formats(text: str) -> None:
    clean = neutralise(text)
    assert "[[" not in clean and "]]" not in clean
    assert not re.search(r"</?\s*completion", clean, re.IGNORECASE)
    assert parse_choice(clean) is None or re.search(r"Output \([ab]\)\s*$", clean, re.MULTILINE | re.IGNORECASE)
    assert parse_number(clean + "\n", 1, 10) is None or re.fullmatch(r"\s*-?\d+(\.\d+)?\.?\s*", clean)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10), st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=40))
def test_the_last_stated_score_wins(score: int, prose: str) -> None:
    assert parse_number(f"{neutralise(prose)}\nScore: {score}", 1, 10) == score
