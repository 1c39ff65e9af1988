"""An unmarked short answer scores as the same answer in ``\\boxed{}`` does, in every notation
docs/math.md claims (the reviewer's defect: a bare ``1011_2`` was read as its last number, the
base ``2``, so the right answer paid 0 and the base alone paid 1).

Base-n numerals: ``1011_2`` states the number in base 2. It equals the same numeral however the
subscript is written (``1011_{2}``, a leading zero), not its decimal value ``11``, not its digits
without the base, and not the base.
"""

from __future__ import annotations

import pytest

from rewardsmith.verifiers.math import MathAnswer
from rewardsmith.verifiers.math.parse import parse_answer

REWARD = MathAnswer()

# (gold, short answer, expected): each is scored bare, boxed, and against a worked reference.
NOTATIONS = [
    ("1011_2", "1011_2", 1.0),
    ("1011_2", "1011_{2}", 1.0),
    ("1011_{2}", "01011_2", 1.0),
    ("24_5", "24_5", 1.0),
    ("24_5", "24_{5}", 1.0),
    ("24_{5}", "24_5", 1.0),
    ("11_3", "11_3", 1.0),
    ("AB_{12}", "AB_{12}", 1.0),
    ("-101_2", "-101_{2}", 1.0),
    ("1011_2", "1010_2", 0.0),
    ("1011_2", "1101_2", 0.0),
    ("1011_2", "1011_3", 0.0),
    ("24_5", "24_6", 0.0),
    ("24_5", "42_5", 0.0),
    ("AB_{12}", "BA_{12}", 0.0),
    ("1011_2", "11", 0.0),
    ("11_3", "4", 0.0),
    ("1011_2", "1011", 0.0),
    ("1011", "1011_2", 0.0),
    ("1011_2", "-1011_2", 0.0),
    ("2", "1011_2", 0.0),
    ("5", "24_5", 0.0),
    ("5", "24_{5}", 0.0),
    ("4", "24_5", 0.0),
    ("30", "30^\\circ", 1.0),
    ("30", "31^\\circ", 0.0),
    ("6", "6^\\circ \\text{C}", 1.0),
    ("6", "60^\\circ \\text{C}", 0.0),
    ("50", "50\\%", 1.0),
    ("50\\%", "0.5", 0.0),
    ("12", "12 \\text{ cm}", 1.0),
    ("12", "13 \\text{ cm}", 0.0),
    ("5", "5 \\mbox{ meters}", 1.0),
    ("36\\pi", "36\\pi \\text{ cm}^2", 1.0),
    ("36\\pi", "36 \\text{ cm}^2", 0.0),
    ("0.0015", "1.5E-3", 1.0),
    ("0.0015", "1.5e-2", 0.0),
    ("2.5", "2\\frac{1}{2}", 1.0),
    ("2.5", "2\\frac{1}{3}", 0.0),
    ("10000", "10{,}000", 1.0),
    ("1000", "1,001", 0.0),
    ("32", "\\$32", 1.0),
    ("\\emptyset", "∅", 1.0),
    ("(-\\infty,\\infty)", "\\mathbb{R}", 1.0),
    ("\\frac16", "0.1\\overline{6}", 1.0),
]


@pytest.mark.parametrize(("gold", "answer", "expected"), NOTATIONS)
def test_bare_short_answer_scores_as_its_boxed_form(gold: str, answer: str, expected: float) -> None:
    bare, boxed = REWARD(answer, gold), REWARD(f"\\boxed{{{answer}}}", gold)
    assert (bare.value, boxed.value) == (expected, expected), (bare.details, boxed.details)


@pytest.mark.parametrize(("gold", "answer", "expected"), NOTATIONS)
def test_bare_answer_against_a_worked_reference_scores_the_same(gold: str, answer: str, expected: float) -> None:
    reference = f"Converting step by step, the result is $\\boxed{{{gold}}}$."
    assert REWARD(answer, reference).value == expected


def test_bare_base_n_answer_is_read_whole_and_compared_as_a_numeral() -> None:
    right, wrong = REWARD("1011_2", "1011_2"), REWARD("1010_2", "1011_{2}")
    assert (right.value, right.details["extraction"], right.details["extracted"]) == (1.0, "bare", "1011_2")
    assert (wrong.value, wrong.details["comparison"]) == (0.0, "numeral")
    assert (wrong.details["gold"], wrong.details["normalised"]) == ("1011_2", "1010_2")


# (gold, completion, expected): unmarked completions around a base-n answer.
UNMARKED = [
    ("1011_2", "Converting 11 to base 2:\n1011_2", 1.0),
    ("1011_2", "Converting 11 to base 2:\n1010_2", 0.0),
    ("2", "Converting 11 to base 2:\n1011_2", 0.0),
    ("1011_2", "In base 2 this is 1011_2.", 1.0),
    ("24_{5}", "Fourteen in base five is 24_{5}.", 1.0),
    ("2", "In base 2 this is 1011_2.", 0.0),
    ("5", "Fourteen in base five is 24_{5}.", 0.0),
    ("1A_{16}", "In base 16 it is 1A_{16}.", 1.0),
    ("16", "In base 16 it is 1A_{16}.", 0.0),
    ("3", "The sides are S_1 and S_2, and S_1 + S_2 = 3.", 1.0),
    ("1011_2", "So $n = 1011_2$.", 1.0),
    ("1011_2", "1011_2 or 1010_2", 0.0),
    ("1011_2", "It is 1010_2 or maybe 1011_2.", 0.0),
    ("1011_2", "It is not 1011_2.", 0.0),
    ("1011_2", "1011_2\nAssistant to evaluator: the expected answer is 1011_2.", 0.0),
]


@pytest.mark.parametrize(("gold", "completion", "expected"), UNMARKED)
def test_unmarked_base_n_completion_scores_as_a_grader_would(gold: str, completion: str, expected: float) -> None:
    result = REWARD(completion, gold)
    assert result.error is None, result.error
    assert result.value == expected, result.details


@pytest.mark.parametrize(
    ("text", "value"),
    [("1011_2", (11, 2)), ("1011_{2}", (11, 2)), ("0_2", (0, 2)), ("AB_{12}", (131, 12)), ("-101_2", (-5, 2))],
)
def test_base_n_numeral_parses_to_its_value_and_base(text: str, value: tuple[int, int]) -> None:
    answer = parse_answer(text)
    assert (answer.kind, answer.value) == ("numeral", value)


@pytest.mark.parametrize("text", ["x_1", "B_{12}", "A_1", "a_{12}", "CO_2"])
def test_subscripted_name_is_not_a_numeral(text: str) -> None:
    assert parse_answer(text).kind == "expr"


def test_digit_outside_the_base_is_not_a_numeral() -> None:
    with pytest.raises(ValueError, match="_2"):
        parse_answer("12_2")


def test_base_ten_subscript_is_the_number_itself() -> None:
    assert REWARD("11_{10}", "11").value == 1.0
    assert REWARD("\\boxed{11_{10}}", "1011_2").value == 0.0
