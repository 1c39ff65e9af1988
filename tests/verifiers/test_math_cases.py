"""Exact expectations for math.answer, one table per category of the issue."""

from __future__ import annotations

import pytest

from rewardsmith.verifiers.math import MathAnswer

REWARD = MathAnswer()

EXTRACTION = [
    ("The area is \\boxed{12}.", "12", 1.0),
    ("so \\boxed{\\frac{\\sqrt{3}}{2}} is it", "\\frac{\\sqrt3}{2}", 1.0),
    ("nested \\boxed{\\frac{1}{\\sqrt{\\frac{4}{9}}}}", "\\frac{3}{2}", 1.0),
    ("\\fbox{7}", "7", 1.0),
    ("\\boxed 7", "7", 1.0),
    ("<answer>15</answer>", "15", 1.0),
    ("<think>hmm</think><answer> 15 </answer>", "15", 1.0),
    ("<answer>\\boxed{15}</answer>", "15", 1.0),
    ("The answer is 72.", "72", 1.0),
    ("The answer is $\\frac{2}{3}$.", "\\frac23", 1.0),
    ("Thus the answer is: 18 dollars per day.", "18", 1.0),
    ("Final answer: 5", "5", 1.0),
    ("**Final Answer**\n\n$\\dfrac{5}{8}$", "\\frac58", 1.0),
    ("The final answer is $\\boxed{420}$. I hope it is correct.", "420", 1.0),
    ("work...\n#### 1,234", "1234", 1.0),
    ("She has 13 left.\nA: 26", "26", 1.0),
    ("She has 13 left.\nA: 26", "13", 0.0),
    ("Adding them gives $$x = 4$$", "4", 1.0),
    ("so we get \\[ \\frac{7}{2} \\]", "3.5", 1.0),
    ("so we get \\( 9 \\).", "9", 1.0),
    ("3 + 4 = 7 apples", "7", 1.0),
    ("3 + 4 = 7 apples and then 8", "7", 0.0),
    ("No number here at all.", "7", 0.0),
    ("<think>the answer is 42</think>The answer is 41", "42", 0.0),
    ("<think>the answer is 41</think>The answer is 42", "42", 1.0),
    ("<think>I think \\boxed{7}</think>", "7", 1.0),
    ("<think>7?</think> I conclude \\boxed{8}", "7", 0.0),
    ("the answer is \\boxed{5} and that is final", "5", 1.0),
    ("Answer: $-3$", "-3", 1.0),
    ("The correct answer is (B).", "B", 1.0),
    ("The correct answer is (B).", "C", 0.0),
]

NUMBERS = [
    ("1,000,000", "1000000", 1.0),
    ("10{,}000", "10000", 1.0),
    ("1\\,000", "1000", 1.0),
    ("3,5", "3.5", 1.0),
    ("\\$18", "18", 1.0),
    ("$18.00", "18", 1.0),
    ("37.50", "37.5", 1.0),
    ("0.5", "\\frac{1}{2}", 1.0),
    ("\\dfrac{3}{4}", "0.75", 1.0),
    ("\\tfrac{3}{4}", "\\frac34", 1.0),
    ("12\\frac{3}{5}", "12.6", 1.0),
    ("2 1/2", "2.5", 1.0),
    ("-2\\frac{1}{2}", "-2.5", 1.0),
    ("\\left(\\frac{1}{2}\\right)", "0.5", 1.0),
    ("5\\text{ cm}", "5", 1.0),
    ("5 \\text{ cm}^2", "5", 1.0),
    ("72 \\text{ km/h}", "72", 1.0),
    ("9.8 m/s^2", "9.8", 1.0),
    ("72 km/h", "73", 0.0),
    ("2 x/y", "2", 0.0),
    ("\\text{5 apples}", "5", 1.0),
    ("30^\\circ", "30", 1.0),
    ("30^{\\circ}", "30", 1.0),
    ("30°", "30", 1.0),
    ("50\\%", "50", 1.0),
    ("50%", "50", 1.0),
    ("42.", "42", 1.0),
    ("x = 3", "3", 1.0),
    ("y=-\\frac{1}{2}", "-0.5", 1.0),
    ("−7", "-7", 1.0),
    ("2×3", "6", 1.0),
    ("√2", "\\sqrt{2}", 1.0),
    ("2π", "2\\pi", 1.0),
    ("\\pi", "3.14159265358979", 1.0),
    ("\\pi", "3.14", 0.0),
    ("\\sqrt{2}", "1.41421356", 1.0),
    ("\\sqrt{2}", "1.414", 0.0),
    ("\\frac{1}{3}", "0.3333", 0.0),
    ("\\frac{1}{3}", "0.33", 0.0),
    ("1/3", "\\frac{2}{6}", 1.0),
    ("2^{10}", "1024", 1.0),
    ("10^{3}", "1000", 1.0),
    ("1.5e3", "1500", 1.0),
    ("1.5e3", "150", 0.0),
    ("1e-3", "0.001", 1.0),
    ("1e-3", "1000", 0.0),
    ("\\sqrt{8}", "2\\sqrt{2}", 1.0),
    ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", 1.0),
    ("\\sqrt[3]{27}", "3", 1.0),
    ("\\binom{5}{2}", "10", 1.0),
    ("5!", "120", 1.0),
    ("\\infty", "\\infty", 1.0),
    ("-\\infty", "\\infty", 0.0),
    ("100", "100.0", 1.0),
    ("100", "101", 0.0),
    ("0", "-0", 1.0),
    ("-4", "4", 0.0),
    ("6290000", "6287000", 0.0),
    ("1\\frac{1}{10}", "1\\frac{1}{9}", 0.0),
    ("\\frac{3}{8}", "\\frac{5}{16}", 0.0),
    ("1000000", "10^6", 1.0),
    ("3", "three", 0.0),
]

EXPRESSIONS = [
    ("4a-2", "2(2a-1)", 1.0),
    ("4a-2", "4a+2", 0.0),
    ("4a-2", "4b-2", 0.0),
    ("(x+1)^2", "x^2+2x+1", 1.0),
    ("(x+1)^2", "x^2+x+1", 0.0),
    ("\\frac{x^2-1}{x-1}", "x+1", 1.0),
    ("7\\pi", "7 \\pi", 1.0),
    ("\\frac{7\\pi}{2}", "3.5\\pi", 1.0),
    ("\\sin^2 x + 1", "\\sin^2 x + 1", 1.0),
    ("2\\sqrt{34}", "\\sqrt{136}", 1.0),
    ("\\sqrt{34}+3\\sqrt{10}", "28", 0.0),
    ("e^{2}", "e^2", 1.0),
    ("\\ln 8", "3\\ln 2", 1.0),
    ("x^{2}y", "yx^2", 1.0),
    ("\\frac{a+b}{2}", "\\frac{b+a}{2}", 1.0),
    ("\\frac{a+b}{2}", "\\frac{a-b}{2}", 0.0),
    ("3 + 2i", "2i + 3", 1.0),
    ("3 + 2i", "3 - 2i", 0.0),
    ("|x-1|", "|x-1|", 1.0),
    ("\\theta + 1", "1 + \\theta", 1.0),
]

STRUCTURES = [
    ("(1, 2)", "(1,2)", 1.0),
    ("(1, 2)", "(2, 1)", 0.0),
    ("(\\frac{1}{2}, 3)", "(0.5, 3)", 1.0),
    ("(1, 2, 3)", "(1, 2)", 0.0),
    ("1, 2", "2, 1", 1.0),
    ("1, 2", "1", 0.0),
    ("1, 2", "1, 2, 3", 0.0),
    ("\\{1, 2\\}", "2, 1", 1.0),
    ("x = 1 \\text{ or } x = 2", "2, 1", 1.0),
    ("1, 2", "x=1 or x=2", 1.0),
    ("1 \\pm \\sqrt{2}", "1+\\sqrt{2}, 1-\\sqrt{2}", 1.0),
    ("1 \\pm \\sqrt{2}", "1+\\sqrt{2}", 0.0),
    ("[2, 5)", "[2,5)", 1.0),
    ("[2, 5)", "(2, 5]", 0.0),
    ("[2, \\infty)", "x \\ge 2", 1.0),
    ("[2, \\infty)", "x > 2", 0.0),
    ("(-\\infty, 3)", "x < 3", 1.0),
    ("(3, 5)", "3 < x < 5", 1.0),
    ("[3, 5]", "3 \\le x \\le 5", 1.0),
    ("(-\\infty, -1) \\cup (2, \\infty)", "(2, \\infty) \\cup (-\\infty, -1)", 1.0),
    ("(-\\infty, -1) \\cup (2, \\infty)", "x < -1 \\text{ or } x > 2", 1.0),
    ("(-\\infty, -1) \\cup (2, \\infty)", "(-\\infty, -1]\\cup(2,\\infty)", 0.0),
    (
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}",
        1.0,
    ),
    ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\\\ 4 & 3 \\end{pmatrix}", 0.0),
    ("\\begin{pmatrix} 1/2 \\\\ 3 \\end{pmatrix}", "\\begin{pmatrix} 0.5 \\\\ 3 \\end{pmatrix}", 1.0),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\end{pmatrix}", 0.0),
    ("x^2 + y^2 = 1", "2x^2 + 2y^2 - 2 = 0", 1.0),
    ("x^2 + y^2 = 1", "x^2 + y^2 = 2", 0.0),
    ("y = 2x + 3", "y = 3 + 2x", 1.0),
    ("y = 2x + 3", "2x+3", 0.0),
    ("x = \\frac{\\pi}{2}", "\\frac{\\pi}{2}", 1.0),
    ("y = 2x + 3", "y = 2x - 3", 0.0),
    ("2x - y + 3 = 0", "y = 2x + 3", 1.0),
    ("A", "A", 1.0),
    ("A", "(A)", 1.0),
    ("A", "\\text{(A)}", 1.0),
    ("(C)", "C", 1.0),
    ("B", "A", 0.0),
    ("\\text{Monday}", "monday", 1.0),
    ("\\text{Monday}", "Tuesday", 0.0),
    ("\\text{odd}", "\\text{even}", 0.0),
]

HEDGING = [
    ("The answer is 3 or 4.", "4", 0.0),
    ("\\boxed{3} or maybe \\boxed{4}", "4", 0.0),
    ("\\boxed{4} ... so again \\boxed{4}", "4", 1.0),
    ("The answer is either 3, 4 or 5.", "4", 0.0),
    ("It is definitely not 42.", "42", 0.0),
    ("We can rule out 42, so 43.", "42", 0.0),
    ("The answer is not 42.", "42", 0.0),
    ("The answer cannot be $42$.", "42", 0.0),
    ("42 is wrong.", "42", 0.0),
    ("With the red ball not on top, the count is \\(\\boxed{18}\\).", "18", 1.0),
    ("x = 1 or x = 2", "1", 0.0),
    ("It is 3 or 4", "4", 0.0),
    ("It is 3, 4", "4", 0.0),
    ("It is 3 or maybe 4", "4", 0.0),
    ("Adding 3 and 4 gives 7", "7", 1.0),
]

REFERENCES = [
    ("so 18 eggs\nA: 18", "Janet sells 9 eggs.\nShe makes $18.\nA: 18", 1.0),
    ("so 18 eggs\nA: 18", "She makes 9 * 2 = $18 every day.\n#### 18", 1.0),
    ("so \\boxed{18}", "We get $$10\\cdot 6\\cdot 7=\\boxed{420}.$$ so", 0.0),
    ("so \\boxed{420}", "We get $$10\\cdot 6\\cdot 7=\\boxed{420}.$$ so", 1.0),
]

COMPLETIONS = [
    pytest.param(c, g, v, id=f"{cat}-{i}")
    for cat, table in (("extract", EXTRACTION), ("hedge", HEDGING), ("reference", REFERENCES))
    for i, (c, g, v) in enumerate(table)
]
ANSWERS = [
    pytest.param(c, g, v, id=f"{cat}-{i}")
    for cat, table in (("number", NUMBERS), ("expr", EXPRESSIONS), ("structure", STRUCTURES))
    for i, (c, g, v) in enumerate(table)
]


@pytest.mark.parametrize(("completion", "gold", "expected"), COMPLETIONS)
def test_completion_scores_as_expected(completion: str, gold: str, expected: float) -> None:
    result = REWARD(completion, gold)
    assert result.error is None, result.error
    assert result.value == expected, result.details


@pytest.mark.parametrize(("answer", "gold", "expected"), ANSWERS)
def test_boxed_answer_scores_as_expected(answer: str, gold: str, expected: float) -> None:
    result = REWARD(f"Reasoning first. So the result is \\boxed{{{answer}}}.", gold)
    assert result.error is None, result.error
    assert result.value == expected, result.details


@pytest.mark.parametrize(("answer", "gold", "expected"), ANSWERS)
def test_gold_and_prediction_swapped_give_the_same_verdict(answer: str, gold: str, expected: float) -> None:
    def several(text: str) -> bool:
        return "or" in text or "\\pm" in text or "," in text

    if several(answer) != several(gold):
        pytest.skip("several values on one side only: hedging makes the verdict one-sided")
    if gold.startswith("\\text{Mon"):
        pytest.skip("one-sided normalisation")
    result = REWARD(f"\\boxed{{{gold}}}", answer)
    assert result.error is None, result.error
    assert result.value == expected, result.details


@pytest.mark.parametrize(("answer", "gold", "expected"), ANSWERS)
def test_final_answer_line_scores_as_boxed(answer: str, gold: str, expected: float) -> None:
    result = REWARD(f"Work.\nFinal answer: {answer}", gold)
    assert result.error is None, result.error
    assert result.value == expected, result.details
