"""``judge.pairwise``: an LLM compares completions two at a time, always in both orders.

LLM judges prefer the first (or second) position (*Judging LLM-as-a-Judge with MT-Bench and
Chatbot Arena*, Zheng et al., 2023; *Large Language Models are not Fair Evaluators*, Wang et al.,
2023), so every comparison is asked twice, (x, y) and (y, x), and both verdicts count. The two
verdicts disagree when the judge followed the position rather than the content: such pairs are
counted in ``details["position_bias"]``.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from typing import Any, ClassVar, Literal

import numpy as np

from rewardsmith.core import ErrorKind, RewardResult, Sample, register
from rewardsmith.core.composition import group_indices

from .base import Judge, Plan, usage_of
from .client import Answer, Call, JudgeError
from .parse import parse_choice
from .prompts import PAIRWISE, SYSTEM, fence, messages, template

#: A part of a plan that fills ``results`` in place (the plan turns what is left into not applicable).
_Fills = Generator[list[Call], list[Answer | JudgeError], None]

#: A verdict in the labels of the pair as given: "a", "b", "tie", or None (no readable verdict).
Verdict = str | None


def to_original(choice: Verdict, swapped: bool) -> Verdict:
    """A verdict about the swapped order, in the labels of the original order.

    >>> to_original("a", True), to_original("tie", True), to_original("b", False)
    ('b', 'tie', 'b')
    """
    if not swapped or choice not in ("a", "b"):
        return choice
    return "b" if choice == "a" else "a"


def bradley_terry(wins: np.ndarray, prior: float = 0.5, iterations: int = 500) -> np.ndarray:
    """Bradley–Terry strengths p from a win matrix (``wins[i, j]``: points of i over j), by
    Hunter's MM algorithm (*MM algorithms for generalized Bradley-Terry models*, 2004):
    p_i ← W_i / Σ_j n_ij / (p_i + p_j), with ``prior`` virtual points each way on every compared
    pair so that a completion that won (or lost) everything keeps a finite strength. Normalised to
    Σ p = n.

    >>> p = bradley_terry(np.array([[0.0, 2.0], [0.0, 0.0]]))
    >>> round(float(p[0] / (p[0] + p[1])), 4)  # 2.5 : 0.5 points
    0.8333
    """
    compared = (wins + wins.T) > 0
    w = wins + prior * compared
    n = w + w.T
    p = np.ones(len(wins))
    for _ in range(iterations):
        denominator = (n / (p[:, None] + p[None, :])).sum(axis=1)
        updated = np.where(denominator > 0, w.sum(axis=1) / np.where(denominator > 0, denominator, 1.0), 1.0)
        updated *= len(p) / updated.sum()
        if np.max(np.abs(updated - p)) < 1e-12:
            return updated
        p = updated
    return p


@register("judge.pairwise")
class PairwiseJudge(Judge):
    """A group reward from pairwise LLM verdicts, each pair judged in both orders.

    ``against`` picks the comparisons: ``group`` (every pair of the prompt's group), ``reference``
    (each completion against the reference completion in ``reference_field``: ``reference`` or a
    record field, one text or a list) or ``knockout`` (a single-elimination bracket in group order,
    winners meeting winners; an even score goes to the earlier completion). Each order gives the
    winner 1 point and a tie ½. ``scoring``:
    ``winrate`` r_i = points_i / (2 · comparisons_i) (knockout: rounds won / rounds), or
    ``bradley_terry`` r_i = mean_j p_i / (p_i + p_j) over the group with p fitted by MM
    (:func:`bradley_terry`). A call that fails or an answer with no verdict is an error for the
    completions of that pair (Bradley–Terry and knockout: for the whole group), never a loss.

    >>> PairwiseJudge("http://127.0.0.1:8000/v1", "judge").own_batch_scope
    'group'
    """

    builtin_templates: ClassVar[tuple[str, ...]] = tuple(PAIRWISE)
    example: ClassVar[dict[str, Any]] = {
        "type": "judge.pairwise",
        "base_url": "http://127.0.0.1:8000/v1",
        "model": "judge",
    }
    own_batch_scope = "group"

    def __init__(
        self,
        base_url: str,
        model: str,
        against: Literal["group", "reference", "knockout"] = "group",
        scoring: Literal["winrate", "bradley_terry"] = "winrate",
        reference_field: str = "reference",
        template: str = "preference",
        system: str | None = SYSTEM,
        api_key_env: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
        seed: int | None = 0,
        timeout: float = 60.0,
        max_concurrency: int = 16,
        rpm: float | None = None,
        tpm: float | None = None,
        retries: int = 4,
        cache: str | None = None,
        prices: dict[str, float] | None = None,
    ) -> None:
        self.against = against
        self.scoring = scoring
        self.reference_field = reference_field
        self.template = template
        self.system = system
        self._set_endpoint(locals())
        if scoring == "bradley_terry" and against != "group":
            raise ValueError("scoring: bradley_terry needs against: group (every pair of the group compared)")
        self._template = template_of(template)

    # -- one comparison, both orders ---------------------------------------------------------
    def pair_calls(self, prompt: str, a: str, b: str) -> list[Call]:
        """The two calls that judge (a, b) and (b, a)."""
        return [self._call(prompt, a, b), self._call(prompt, b, a)]

    def _call(self, prompt: str, first: str, second: str) -> Call:
        fenced_a, a_tag = fence(first, "output_a")
        fenced_b, b_tag = fence(second, "output_b")
        user = self._template.render(
            prompt=prompt, completion_a=fenced_a, completion_b=fenced_b, a_tag=a_tag, b_tag=b_tag
        )
        return messages(self.system, user), self.sampling()

    @staticmethod
    def read_pair(answers: Sequence[Answer | JudgeError]) -> tuple[Verdict, Verdict] | JudgeError:
        """(verdict of order (a, b), verdict of order (b, a) mapped back to a/b), or the error."""
        failed = next((a for a in answers if isinstance(a, JudgeError)), None)
        if failed is not None:
            return failed
        first, second = (parse_choice(a.texts[0]) for a in answers if isinstance(a, Answer))
        return first, to_original(second, swapped=True)

    def pair_verdicts(self, samples: Sequence[Sample]) -> list[tuple[Verdict, Verdict] | JudgeError]:
        """Both verdicts on pair records (``prompt``, ``completion_a``, ``completion_b``), for the pair audit."""
        calls = []
        for sample in samples:
            a, b = (str(sample.extra.get(key) or "") for key in ("completion_a", "completion_b"))
            calls += self.pair_calls(sample.prompt_text, a, b)
        answers = self.client().gather(calls)
        return [self.read_pair(answers[2 * i : 2 * i + 2]) for i in range(len(samples))]

    # -- the group plan ----------------------------------------------------------------------
    def plan(self, samples: list[Sample]) -> Plan:
        results: list[RewardResult | None] = [None] * len(samples)
        if self.against == "knockout":
            yield from self._knockout(samples, results)
        else:
            yield from self._round_robin(samples, results)
        return [r if r is not None else RewardResult.not_applicable() for r in results]

    def _opponents(self, samples: list[Sample]) -> list[tuple[int, int | str]]:
        """(i, j) pairs: j another sample's index, or a reference text."""
        pairs: list[tuple[int, int | str]] = []
        if self.against == "reference":
            for i, sample in enumerate(samples):
                pairs += [(i, text) for text in self._references(sample)]
            return pairs
        for group in group_indices(samples):
            members = group.tolist()
            pairs += [(i, j) for k, i in enumerate(members) for j in members[k + 1 :]]
        return pairs

    def _references(self, sample: Sample) -> list[str]:
        value = sample.reference if self.reference_field == "reference" else sample.extra.get(self.reference_field)
        values = value if isinstance(value, list) else [value]
        return [v for v in values if isinstance(v, str) and v.strip()]

    def _round_robin(self, samples: list[Sample], results: list[RewardResult | None]) -> _Fills:
        pairs = self._opponents(samples)
        calls = []
        for i, j in pairs:
            other = j if isinstance(j, str) else samples[j].text
            calls += self.pair_calls(samples[i].prompt_text, samples[i].text, other)
        answers = (yield calls) if calls else []
        table = _Table(len(samples))
        for number, (i, j) in enumerate(pairs):
            own = answers[2 * number : 2 * number + 2]
            table.add(i, j if isinstance(j, int) else None, self.read_pair(own), own)
        for group in ([list(range(len(samples)))] if self.against == "reference" else
                      [g.tolist() for g in group_indices(samples)]):
            for i, result in table.results(group, self.scoring, self.name).items():
                results[i] = result

    def _knockout(self, samples: list[Sample], results: list[RewardResult | None]) -> _Fills:
        groups = [g.tolist() for g in group_indices(samples)]
        alive = {tuple(g): list(g) for g in groups if len(g) > 1}
        rounds_won = dict.fromkeys(range(len(samples)), 0)
        failed: dict[tuple[int, ...], RewardResult] = {}
        table = _Table(len(samples))
        while any(len(v) > 1 for k, v in alive.items() if k not in failed):
            matches = [(key, left, right) for key, v in alive.items() if key not in failed
                       for left, right in zip(v[::2], v[1::2], strict=False)]
            calls = [c for _, i, j in matches for c in self.pair_calls(samples[i].prompt_text, samples[i].text,
                                                                        samples[j].text)]
            answers = yield calls
            winners: dict[tuple[int, ...], list[int]] = {}
            for number, (key, i, j) in enumerate(matches):
                own = answers[2 * number : 2 * number + 2]
                verdicts = self.read_pair(own)
                table.add(i, j, verdicts, own)
                points = table.points(i, j, verdicts)
                if points is None:
                    failed[key] = table.error(i, j, verdicts, self.name)
                    continue
                winner = i if points[0] >= points[1] else j
                rounds_won[winner] += 1
                winners.setdefault(key, []).append(winner)
            for key, v in alive.items():
                if key not in failed and len(v) > 1:
                    bye = [v[-1]] if len(v) % 2 else []
                    alive[key] = winners.get(key, []) + bye
        for group in groups:
            key = tuple(group)
            if len(group) < 2:
                continue
            rounds = math.ceil(math.log2(len(group)))
            for i in group:
                if key in failed:
                    results[i] = failed[key]
                else:
                    details = {**table.details(i, group), "rounds_won": rounds_won[i], "rounds": rounds}
                    results[i] = RewardResult.ok(rounds_won[i] / rounds, **details)


class _Table:
    """Points, verdicts and failures of the comparisons of a batch."""

    def __init__(self, size: int) -> None:
        self.wins = np.zeros((size, size))
        self.reference_points: dict[int, list[float]] = {}
        self.errors: dict[int, RewardResult] = {}
        self.inconsistent: dict[int, int] = {}
        self.first_wins: dict[int, int] = {}
        self.compared: dict[int, int] = {}
        self.usage: dict[int, list[Answer]] = {}

    @staticmethod
    def points(i: int, j: int | None, verdicts: tuple[Verdict, Verdict] | JudgeError) -> tuple[float, float] | None:
        if isinstance(verdicts, JudgeError) or None in verdicts:
            return None
        value = {"a": (1.0, 0.0), "b": (0.0, 1.0), "tie": (0.5, 0.5)}
        first, second = value[verdicts[0]], value[verdicts[1]]  # type: ignore[index]
        return first[0] + second[0], first[1] + second[1]

    @staticmethod
    def error(i: int, j: int | None, verdicts: tuple[Verdict, Verdict] | JudgeError, name: str) -> RewardResult:
        if isinstance(verdicts, JudgeError):
            return RewardResult.fail(f"{name}: {verdicts}", kind=verdicts.kind)
        order = "first" if verdicts[0] is None else "swapped"
        return RewardResult.fail(f"{name}: no verdict in the judge's answer ({order} order)", kind=ErrorKind.REMOTE)

    def add(self, i: int, j: int | None, verdicts: tuple[Verdict, Verdict] | JudgeError, answers: Any) -> None:
        members = [i] if j is None else [i, j]
        # a pair's calls are counted once, on its first member, so that usage sums over results
        self.usage.setdefault(i, []).extend(a for a in answers if isinstance(a, Answer))
        points = self.points(i, j, verdicts)
        if points is None:
            for m in members:
                self.errors.setdefault(m, self.error(i, j, verdicts, ""))
            return
        assert not isinstance(verdicts, JudgeError)
        for m in members:
            self.compared[m] = self.compared.get(m, 0) + 1
            self.inconsistent[m] = self.inconsistent.get(m, 0) + int(verdicts[0] != verdicts[1])
            # the first position won: "a" in the first order, "b" (mapped back) in the swapped one
            self.first_wins[m] = self.first_wins.get(m, 0) + int(verdicts[0] == "a") + int(verdicts[1] == "b")
        if j is None:
            self.reference_points.setdefault(i, []).append(points[0])
        else:
            self.wins[i, j] += points[0]
            self.wins[j, i] += points[1]

    def details(self, i: int, group: list[int]) -> dict[str, Any]:
        return {
            "points": float(self.wins[i].sum() + sum(self.reference_points.get(i, []))),
            "comparisons": self.compared.get(i, 0),
            "position_bias": {
                "inconsistent": self.inconsistent.get(i, 0),
                "comparisons": self.compared.get(i, 0),
                "first_position_wins": self.first_wins.get(i, 0),
            },
            "usage": usage_of(self.usage.get(i, [])),
        }

    def results(self, group: list[int], scoring: str, name: str) -> dict[int, RewardResult]:
        out: dict[int, RewardResult] = {}
        errors = {i: self.errors[i] for i in group if i in self.errors}
        for i in errors:
            message = errors[i].error or ""
            out[i] = RewardResult.fail(f"{name}{message}", kind=errors[i].error_kind or ErrorKind.REMOTE)
        if scoring == "bradley_terry" and errors:
            first = next(iter(out.values()))
            return {i: out.get(i, first) for i in group}
        members = [i for i in group if i not in errors and self.compared.get(i, 0)]
        if scoring == "bradley_terry" and len(members) > 1:
            strengths = bradley_terry(self.wins[np.ix_(members, members)])
            for k, i in enumerate(members):
                chances = [strengths[k] / (strengths[k] + strengths[m]) for m in range(len(members)) if m != k]
                details = {"strength": float(strengths[k]), **self.details(i, group)}
                out[i] = RewardResult.ok(float(np.mean(chances)), **details)
            return out
        for i in members:
            points = self.wins[i].sum() + sum(self.reference_points.get(i, []))
            out[i] = RewardResult.ok(float(points) / (2 * self.compared[i]), **self.details(i, group))
        return out


def template_of(name: str) -> Any:
    return template(name, PAIRWISE)
