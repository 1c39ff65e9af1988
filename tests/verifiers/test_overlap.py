import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

import rewardsmith
from rewardsmith.verifiers.text.overlap import TextBLEU, TextChrF, TextF1, TextRouge, token_f1

HYPOTHESIS = "The quick brown fox jumped over the lazy dog near the river bank."
REFERENCES = [
    "A quick brown fox jumps over the lazy dog by the river.",
    "The fast brown fox leapt over a sleepy dog near the bank of the river.",
]


def test_bleu_equals_sacrebleu_sentence_bleu_with_several_references():
    expected = sacrebleu.sentence_bleu(HYPOTHESIS, REFERENCES).score / 100
    assert TextBLEU()(HYPOTHESIS, REFERENCES).value == expected
    assert 0.0 < expected < 1.0


def test_bleu_options_are_passed_to_sacrebleu():
    expected = sacrebleu.sentence_bleu(
        HYPOTHESIS.upper(), REFERENCES, smooth_method="floor", lowercase=True, tokenize="char"
    ).score / 100
    reward = rewardsmith.load({"type": "text.bleu", "smooth_method": "floor", "lowercase": True, "tokenize": "char"})
    assert reward(HYPOTHESIS.upper(), REFERENCES).value == expected


def test_chrf_and_chrf_plus_plus_equal_sacrebleu():
    assert TextChrF()(HYPOTHESIS, REFERENCES).value == sacrebleu.sentence_chrf(HYPOTHESIS, REFERENCES).score / 100
    plus = sacrebleu.metrics.CHRF(word_order=2).sentence_score(HYPOTHESIS, REFERENCES).score / 100
    assert TextChrF(word_order=2)(HYPOTHESIS, REFERENCES).value == plus


def test_rouge_equals_rouge_score_best_over_references():
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    expected = max(scorer.score(ref, HYPOTHESIS)["rougeL"].fmeasure for ref in REFERENCES)
    assert TextRouge()(HYPOTHESIS, REFERENCES).value == expected
    stemmed = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True).score(REFERENCES[0], HYPOTHESIS)["rouge2"]
    assert TextRouge("rouge2", measure="recall", use_stemmer=True)(HYPOTHESIS, REFERENCES[0]).value == stemmed.recall


texts = st.text(alphabet=st.sampled_from("abc de.,"), min_size=1, max_size=40)


@settings(max_examples=40)
@given(texts, st.lists(texts, min_size=1, max_size=3))
def test_library_metrics_agree_on_random_text(hypothesis, references):
    bleu = sacrebleu.sentence_bleu(hypothesis, references).score / 100
    chrf = sacrebleu.sentence_chrf(hypothesis, references).score / 100
    assert TextBLEU()(hypothesis, references).value == min(bleu, 1.0)  # sacrebleu can round past 100
    assert TextChrF()(hypothesis, references).value == min(chrf, 1.0)


def test_bleu_of_a_one_word_exact_match_is_one_not_above():
    assert sacrebleu.metrics.BLEU(effective_order=True).sentence_score("4", ["4"]).score > 100
    assert TextBLEU()("4", "4").value == 1.0


def test_token_f1_follows_squad():
    # SQuAD normalisation drops "the"/"a" and punctuation: pred {cat, sat}, gold {cat, sat, down}
    assert token_f1("The cat sat.", "a cat sat down") == pytest.approx(2 * 1 * (2 / 3) / (1 + 2 / 3), abs=1e-15)
    assert token_f1("the", "a") == 1.0
    assert token_f1("dog", "cat") == 0.0
    assert TextF1()("cat", ["dog", "the cat"]).value == 1.0


def test_missing_reference_is_an_error():
    for reward in (TextF1(), TextBLEU(), TextChrF(), TextRouge()):
        assert reward("text").error == "no reference to compare with"


def test_unknown_rouge_type_is_a_spec_error():
    with pytest.raises(rewardsmith.SpecError, match="unknown ROUGE type"):
        rewardsmith.load({"type": "text.rouge", "rouge_type": "rougeX"})
