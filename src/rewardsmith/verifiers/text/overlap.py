"""``text.f1``, ``text.bleu``, ``text.chrf``, ``text.rouge``: overlap with reference texts.

Several references are allowed (a list under ``reference``). BLEU, chrF and ROUGE are the
libraries' own numbers (sacrebleu, rouge-score), divided by 100 where the library reports a
percentage, so every value lies in [0, 1].
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import cached_property
from typing import Any, ClassVar, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.reward import Reward

from .exact import normalise_text, references_of


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1 (Rajpurkar et al., 2016) after SQuAD normalisation.

    P = |common| / |pred|, R = |common| / |ref|, F1 = 2PR / (P + R), with common the multiset
    intersection of tokens; when either side has no tokens, 1 if both are empty else 0.

    >>> token_f1("the cat sat", "a cat sat down")
    0.8
    """
    pred = normalise_text(prediction, remove_articles=True, keep_meaning=False).split()
    gold = normalise_text(reference, remove_articles=True, keep_meaning=False).split()
    if not pred or not gold:
        return float(pred == gold)
    same = sum((Counter(pred) & Counter(gold)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


class _Overlap(Reward):
    value_range = (0.0, 1.0)

    def compare(self, hypothesis: str, references: list[str]) -> float:
        raise NotImplementedError

    def score_one(self, sample: Sample) -> RewardResult:
        references = references_of(sample)
        if not references:
            return RewardResult.fail("no reference to compare with", kind="bad_input")
        return RewardResult.ok(self.compare(sample.text, references), references=len(references))

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_metric"}


@register("text.f1")
class TextF1(_Overlap):
    """SQuAD token F1 against the best-matching reference: max_ref F1(completion, ref).

    A softer signal than exact match for short answers (*SQuAD*, Rajpurkar et al., 2016).

    >>> TextF1()("The Eiffel tower", ["eiffel tower", "Tour Eiffel"]).value
    1.0
    """

    def compare(self, hypothesis: str, references: list[str]) -> float:
        return max(token_f1(hypothesis, reference) for reference in references)


@register("text.bleu")
class TextBLEU(_Overlap):
    """Sentence BLEU (sacrebleu) against all references at once, / 100.

    *BLEUBERI: BLEU is a surprisingly effective reward for instruction following* (Chang et al.,
    2025): BLEU = BP · exp(Σ_n ¼ log p_n) with clipped n-gram precisions p_n over several
    references and brevity penalty BP = min(1, e^{1 − r/c}). sacrebleu's sentence defaults:
    ``exp`` smoothing, effective order, ``13a`` tokenisation.

    >>> round(TextBLEU()("the cat sat on the mat", ["the cat sat on the mat"]).value, 6)
    1.0
    """

    requires: ClassVar[Mapping[str, str]] = {"sacrebleu": "text"}

    def __init__(
        self,
        smooth_method: Literal["exp", "floor", "add-k", "none"] = "exp",
        tokenize: str = "13a",
        lowercase: bool = False,
    ) -> None:
        self.smooth_method = smooth_method
        self.tokenize = tokenize
        self.lowercase = lowercase

    @cached_property
    def _metric(self) -> Any:
        from sacrebleu.metrics import BLEU

        return BLEU(lowercase=self.lowercase, tokenize=self.tokenize, smooth_method=self.smooth_method,
                    effective_order=True)

    def compare(self, hypothesis: str, references: list[str]) -> float:
        # sacrebleu sums logs: a perfect match can come back as 100.00000000000004.
        return min(self._metric.sentence_score(hypothesis, references).score / 100, 1.0)


@register("text.chrf")
class TextChrF(_Overlap):
    """Sentence chrF (sacrebleu) against all references, / 100; ``word_order: 2`` gives chrF++.

    chrF_β = (1 + β²) · chrP · chrR / (β² · chrP + chrR) over character n-grams up to
    ``char_order`` (Popović, 2015), robust to morphology and tokenisation; used as a reward
    alongside BLEU in BLEUBERI.

    >>> TextChrF()("hello world", ["hello world"]).value
    1.0
    """

    requires: ClassVar[Mapping[str, str]] = {"sacrebleu": "text"}

    def __init__(self, char_order: int = 6, word_order: int = 0, beta: int = 2, lowercase: bool = False) -> None:
        self.char_order = char_order
        self.word_order = word_order
        self.beta = beta
        self.lowercase = lowercase

    @cached_property
    def _metric(self) -> Any:
        from sacrebleu.metrics import CHRF

        return CHRF(char_order=self.char_order, word_order=self.word_order, beta=self.beta,
                    lowercase=self.lowercase)

    def compare(self, hypothesis: str, references: list[str]) -> float:
        return min(self._metric.sentence_score(hypothesis, references).score / 100, 1.0)


@register("text.rouge")
class TextRouge(_Overlap):
    """ROUGE (rouge-score; ROUGE-L by default) F-measure, best over the references.

    ROUGE-L (Lin, 2004): with LCS the longest common subsequence, P = LCS / |pred|,
    R = LCS / |ref|, F = 2PR / (P + R). ``measure`` picks precision, recall or F; several
    references use rouge-score's ``score_multi`` (the best one).

    >>> round(TextRouge()("the cat sat", ["the cat sat down"]).value, 4)
    0.8571
    """

    requires: ClassVar[Mapping[str, str]] = {"rouge_score": "text"}

    def __init__(
        self,
        rouge_type: str = "rougeL",
        measure: Literal["fmeasure", "precision", "recall"] = "fmeasure",
        use_stemmer: bool = False,
    ) -> None:
        if rouge_type not in {"rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"} and not (
            rouge_type.startswith("rouge") and rouge_type[5:].isdigit()
        ):
            raise ValueError(f"rouge_type: unknown ROUGE type {rouge_type!r}")
        self.rouge_type = rouge_type
        self.measure = measure
        self.use_stemmer = use_stemmer

    @cached_property
    def _metric(self) -> Any:
        from rouge_score import rouge_scorer

        return rouge_scorer.RougeScorer([self.rouge_type], use_stemmer=self.use_stemmer)

    def compare(self, hypothesis: str, references: list[str]) -> float:
        score = self._metric.score_multi(references, hypothesis)[self.rouge_type]
        return float(getattr(score, self.measure))
