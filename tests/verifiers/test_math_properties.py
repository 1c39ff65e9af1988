"""Property tests: a number equals itself in every notation; reordering keeps equivalence."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from rewardsmith.verifiers.math import MathAnswer

REWARD = MathAnswer()


def _notations(value: Fraction) -> list[str]:
    sign = "-" if value < 0 else ""
    p, q = abs(value.numerator), value.denominator
    forms = [f"{sign}\\frac{{{p}}}{{{q}}}", f"{sign}\\dfrac{{{p}}}{{{q}}}", f"{sign}{p}/{q}"]
    forms.append(f"{sign}{{{p}}}/{{{q}}}")
    if q == 1:
        forms += [f"{sign}{p}", f"{sign}{p}.0", f"{sign}{p:,}".replace(",", "{,}")]
        forms += [f"${sign}{p}$", f"x = {sign}{p}"]
    if 1024 % q == 0 or 5**8 % q == 0 or 10**8 % q == 0:
        forms.append(f"{float(value):.10f}".rstrip("0"))
    if p > q > 1:
        whole, rest = divmod(p, q)
        if rest:
            forms.append(f"{sign}{whole}\\frac{{{rest}}}{{{q}}}")
    return forms


fractions = st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=64)


@settings(max_examples=60, deadline=None)
@given(fractions, st.data())
def test_a_number_equals_itself_in_every_notation(value: Fraction, data: st.DataObject) -> None:
    forms = _notations(value)
    gold = data.draw(st.sampled_from(forms))
    for form in forms:
        result = REWARD(f"The final answer is \\boxed{{{form}}}.", gold)
        assert result.value == 1.0, (form, gold, result.details)


@settings(max_examples=60, deadline=None)
@given(fractions, fractions)
def test_different_numbers_never_match(a: Fraction, b: Fraction) -> None:
    if a != b:
        completion = f"\\boxed{{\\frac{{{a.numerator}}}{{{a.denominator}}}}}"
        result = REWARD(completion, f"{b.numerator}/{b.denominator}")
        assert result.value == 0.0, result.details


terms = st.lists(
    st.tuples(st.integers(-9, 9).filter(bool), st.sampled_from(["x", "y", "x^2", "xy", "\\sqrt{x}", ""])),
    min_size=1,
    max_size=5,
)


def _render(items: list[tuple[int, str]]) -> str:
    return "+".join(f"({c}){t}" if t else f"({c})" for c, t in items)


@settings(max_examples=60, deadline=None)
@given(terms, st.randoms(use_true_random=False))
def test_equivalent_expressions_stay_equivalent_under_reordering(items: list, rng) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    result = REWARD(f"\\boxed{{{_render(shuffled)}}}", _render(items))
    assert result.value == 1.0, result.details


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=2, max_size=5, unique=True), st.randoms(use_true_random=False))
def test_solution_sets_are_unordered_but_complete(values: list[int], rng) -> None:
    shuffled = list(values)
    rng.shuffle(shuffled)
    gold = ", ".join(map(str, values))
    assert REWARD(f"\\boxed{{{', '.join(map(str, shuffled))}}}", gold).value == 1.0
    assert REWARD(f"\\boxed{{{', '.join(map(str, shuffled[1:]))}}}", gold).value == 0.0
