import math

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

import rewardsmith
from rewardsmith.core import Sample
from rewardsmith.verifiers.length.measure import measure
from rewardsmith.verifiers.length.shaping import CosineLength, GroupLength, Overlong
from rewardsmith.verifiers.text.exact import TextExact


def words(n: int) -> str:
    return " ".join(["w"] * n)


@pytest.fixture(scope="module")
def tokenizer_path(tmp_path_factory):
    """A word-level tokenizer written locally: 'ab' is one token, unknown words are [UNK]."""
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0, "ab": 1, "cd": 2}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tokenizer.save(str(path))
    return str(path)


def test_lengths_in_chars_words_and_tokens_of_a_local_tokenizer(tokenizer_path):
    batch = [Sample("ab cd, ab"), Sample("")]
    assert measure(batch, "chars").tolist() == [9.0, 0.0]
    assert measure(batch, "words").tolist() == [3.0, 0.0]
    assert measure(batch, "tokens", tokenizer_path).tolist() == [4.0, 0.0]  # ab cd , ab
    folder = rewardsmith.load({"type": "length.overlong", "max_length": 4, "cache": 1, "unit": "tokens",
                               "tokenizer": str(tokenizer_path).rsplit("/", 1)[0]})
    assert folder("ab cd , ab ab").value == -1.0


def test_tokens_without_a_usable_tokenizer_fail_at_load_time(tmp_path):
    with pytest.raises(rewardsmith.SpecError, match="needs a tokenizer"):
        rewardsmith.load({"type": "length.overlong", "max_length": 4, "cache": 1, "unit": "tokens"})
    with pytest.raises(rewardsmith.SpecError, match="does not exist"):
        rewardsmith.load({"type": "length.overlong", "max_length": 4, "cache": 1, "unit": "tokens",
                          "tokenizer": str(tmp_path / "missing.json")})


@pytest.mark.parametrize(("length", "expected"), [(0, 0.0), (16, 0.0), (17, -0.25), (20, -1.0), (21, -1.0)])
def test_dapo_overlong_penalty(length, expected):
    # L_max = 20, L_cache = 4: 0 up to 16, ((20 − 4) − |y|) / 4 in the buffer, −1 beyond 20
    assert Overlong(max_length=20, cache=4)(words(length)).value == expected


def test_cosine_length_scaling_for_correct_wrong_and_exceeding_answers():
    reward = CosineLength(TextExact(), max_length=10, unit="chars")

    def cos(t, start, end):
        return end + 0.5 * (start - end) * (1 + math.cos(math.pi * t / 10))

    assert reward("4", reference="4").value == pytest.approx(cos(1, 2.0, 1.0), abs=1e-15)
    assert reward("5", reference="4").value == pytest.approx(cos(1, -10.0, 0.0), abs=1e-15)
    assert reward("x" * 10, reference="x" * 10).value == pytest.approx(1.0, abs=1e-15)
    assert reward("x" * 11, reference="x" * 11).value == -10.0
    assert reward("4").error == "text.exact: no reference to compare with"


def test_cosine_prefers_short_correct_and_long_wrong():
    reward = CosineLength(TextExact(), max_length=100, unit="chars")
    assert reward("4", reference="4").value > reward("4" + " " * 50, reference="4").value
    assert reward("5", reference="4").value < reward("5" + "." * 50, reference="4").value


def test_kimi_group_length_reward():
    group = [Sample(c, reference="4", group="q") for c in ["4", "4   ", "5  ", "5        "]]
    # lengths 1, 4, 3, 9: λ = 0.5 − (len − 1) / 8 → 0.5, 0.125, 0.25, −0.5; wrong: min(0, λ)
    results = GroupLength(TextExact(), unit="chars").score(group)
    assert [r.value for r in results] == [0.5, 0.125, 0.0, -0.5]
    assert [r.details["correct"] for r in results] == [True, True, False, False]


def test_group_length_of_equal_lengths_or_no_group_is_zero():
    batch = [Sample("4", reference="4", group="q"), Sample("5", reference="4", group="q"), Sample("4", reference="4")]
    assert [r.value for r in GroupLength(TextExact(), unit="chars").score(batch)] == [0.0, 0.0, 0.0]
