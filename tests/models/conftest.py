"""Real models for the model-reward tests, built at test time from the tiny trained Llama in
``../shared/data/tiny_llama_stories260k/hf`` (no hub): its causal LM as it is, a perturbed copy
as a "policy", and classifier / token-classifier heads initialised with a fixed seed, each saved
to a temporary folder and loaded through the components as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

#: A small chat template (the tiny model has none), in the shape of real ones.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


#: The test machine's few cores are shared: one torch thread per process is many times faster there
#: than torch's default (which spins on busy cores), and changes no value.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@pytest.fixture(scope="session", autouse=True)
def _quiet_single_threaded_transformers() -> None:
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny(shared_data: Path) -> str:
    """The tiny causal LM (no chat template)."""
    path = shared_data / "tiny_llama_stories260k" / "hf"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return str(path)


def _save(model, tokenizer, folder: Path) -> str:
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def classifier(tiny: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """LlamaForSequenceClassification (one label) on the tiny backbone, with a chat template."""
    torch.manual_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(tiny, num_labels=1)
    with torch.no_grad():  # a head large enough that scores differ visibly between texts
        model.score.weight.normal_(0.0, 1.0)
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny)
    tokenizer.chat_template = CHAT_TEMPLATE
    return _save(model, tokenizer, tmp_path_factory.mktemp("classifier"))


@pytest.fixture(scope="session")
def classifier_no_template(tiny: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same kind of classifier with a tokenizer that has no chat template."""
    torch.manual_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(tiny, num_labels=1)
    return _save(model, transformers.AutoTokenizer.from_pretrained(tiny), tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="session")
def multi_head(tiny: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A three-objective classifier with named heads (ArmoRM-like)."""
    torch.manual_seed(1)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        tiny, num_labels=3, id2label={0: "helpful", 1: "correct", 2: "concise"},
        label2id={"helpful": 0, "correct": 1, "concise": 2},
    )
    with torch.no_grad():
        model.score.weight.normal_(0.0, 1.0)
    return _save(model, transformers.AutoTokenizer.from_pretrained(tiny), tmp_path_factory.mktemp("multi"))


@pytest.fixture(scope="session")
def prm_head(tiny: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Qwen2.5-Math-PRM-style token classifier: two labels read at an added ``<extra_0>`` token."""
    torch.manual_seed(2)
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<extra_0>"]})
    tokenizer.chat_template = CHAT_TEMPLATE
    model = transformers.AutoModelForTokenClassification.from_pretrained(tiny, num_labels=2)
    model.resize_token_embeddings(len(tokenizer))
    with torch.no_grad():
        model.score.weight.normal_(0.0, 0.05)
    return _save(model, tokenizer, tmp_path_factory.mktemp("prm"))


@pytest.fixture(scope="session")
def policy(tiny: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tiny LM with every weight perturbed (fixed seed): a "policy" that differs from it."""
    torch.manual_seed(3)
    model = transformers.AutoModelForCausalLM.from_pretrained(tiny)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    return _save(model, transformers.AutoTokenizer.from_pretrained(tiny), tmp_path_factory.mktemp("policy"))


@pytest.fixture(scope="session")
def load_plain():
    """Plain transformers loading, for the hand computations the components are checked against."""

    def load(path: str, kind: str = "causal"):
        auto = {
            "causal": transformers.AutoModelForCausalLM,
            "sequence": transformers.AutoModelForSequenceClassification,
            "token": transformers.AutoModelForTokenClassification,
        }[kind]
        return auto.from_pretrained(path).eval(), transformers.AutoTokenizer.from_pretrained(path)

    return load
