"""Metrics on hand-computed cases and against scikit-learn and scipy."""

from __future__ import annotations

import random

import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from rewardsmith.audit.metrics import auroc, best_threshold, calibration, classification_at, spearman
from rewardsmith.audit.process import earliest_error, earliest_error_f1, search_threshold
from rewardsmith.audit.ranking import best_of_k, correct_rank, majority_at_k, pass_at_k


def random_case(seed: int, n: int = 60) -> tuple[list[float], list[int]]:
    rng = random.Random(seed)
    scores = [round(rng.random(), 1) for _ in range(n)]  # rounding makes ties
    labels = [int(rng.random() < 0.3 + 0.4 * s) for s in scores]
    return scores, labels


@pytest.mark.parametrize("seed", range(20))
def test_auroc_equals_scikit_learn_with_ties(seed):
    scores, labels = random_case(seed)
    assert auroc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_spearman_equals_scipy_with_ties(seed):
    scores, _ = random_case(seed)
    lengths = [len(str(s)) * 10 + i % 7 for i, s in enumerate(scores)]
    assert spearman(scores, lengths) == pytest.approx(spearmanr(scores, lengths).statistic, abs=1e-12)


def test_auroc_is_undefined_with_one_class():
    assert auroc([0.1, 0.9], [1, 1]) is None


def test_spearman_is_undefined_for_a_constant_reward():
    assert spearman([1.0, 1.0, 1.0], [1, 2, 3]) is None


def test_classification_at_threshold_hand_computed():
    # predictions: 1, 0, 1, 1, 0 vs labels 1, 1, 0, 1, 0 -> tp 2, fn 1, fp 1, tn 1
    m = classification_at([0.9, 0.4, 0.6, 0.5, 0.1], [1, 1, 0, 1, 0], 0.5)
    assert (m["tp"], m["fn"], m["fp"], m["tn"]) == (2, 1, 1, 1)
    assert (m["accuracy"], m["precision"], m["recall"]) == (0.6, 2 / 3, 2 / 3)


def test_best_threshold_can_predict_everything_negative():
    assert best_threshold([0.9, 0.8, 0.1], [0, 0, 0]) == (1.9, 1.0)


def test_calibration_of_unbounded_scores_uses_equal_count_bins_and_no_ece():
    table = calibration([-3.0, -1.0, 2.0, 5.0], [0, 0, 1, 1], bins=2)
    assert table["ece"] is None and table["kind"] == "equal-count"
    assert [(b["n"], b["positive_share"]) for b in table["bins"]] == [(2, 0.0), (2, 1.0)]


def test_correct_rank_is_pessimistic_about_ties():
    # the correct completion ties with two wrong ones: both go first
    assert correct_rank([0.5, 0.5, 0.5, 0.1], [0, 1, 0, 0]) == 3
    assert correct_rank([0.1, 0.2], [0, 0]) is None


def test_best_of_k_by_enumerating_subsets():
    import itertools

    scores, labels = [0.3, 0.9, 0.9, 0.1, 0.5], [1, 0, 1, 1, 0]
    for k in range(1, 6):
        picks = []
        for subset in itertools.combinations(range(5), k):
            top = max(subset, key=lambda i: (scores[i], -labels[i], -i))
            picks.append(labels[top])
        assert best_of_k(scores, labels, k) == pytest.approx(sum(picks) / len(picks))


def test_pass_at_k_matches_the_codex_estimator():
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2) = 1 - 3/6


def test_majority_ties_go_to_the_answer_seen_first():
    assert majority_at_k(["a", "b", "b", "a"], [0, 1, 1, 0], 4) == 0.0
    assert majority_at_k(["b", "a", "a", "b"], [1, 0, 0, 1], 4) == 1.0
    assert majority_at_k([None, None], [1, 1], 2) == 0.0


def test_earliest_error_f1_hand_computed():
    labels = [0, 2, -1, -1, 1]
    predictions = [0, 1, -1, 3, 1]  # erroneous right: 2 of 3; correct right: 1 of 2
    result = earliest_error_f1(labels, predictions)
    assert result["acc_erroneous"] == pytest.approx(2 / 3) and result["acc_correct"] == 0.5
    assert result["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


@pytest.mark.parametrize("seed", range(10))
def test_threshold_search_finds_the_best_f1_of_a_brute_force_sweep(seed):
    rng = random.Random(seed)
    step_scores = [[round(rng.random(), 2) for _ in range(rng.randint(1, 6))] for _ in range(40)]
    labels = [rng.choice([-1, *range(len(s))]) for s in step_scores]
    grid = sorted({v for s in step_scores for v in s} | {1.5})
    brute = max(earliest_error_f1(labels, [earliest_error(s, t) for s in step_scores])["f1"] for t in grid)
    found = search_threshold(labels, step_scores)
    assert found["f1"] == pytest.approx(brute)
    at = earliest_error_f1(labels, [earliest_error(s, found["threshold"]) for s in step_scores])
    assert at["f1"] == pytest.approx(found["f1"])
