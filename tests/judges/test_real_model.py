"""End to end with a real model: ``transformers serve`` (the pinned transformers' own
OpenAI-compatible server) serving the trained 260K-parameter tiny Llama of the shared data on CPU.

The tiny Llama tells stories; it cannot judge. What this checks is the path: our templates reach
a real server, its greedy answers come back as the same text a direct ``generate`` gives, labels
are read from them, both orders of a pair are asked, an answer with no verdict is an error (never
a 0), a server that ignores ``n`` is caught, concurrent calls agree with single ones, and a re-run
comes from the cache. The model folder is copied to a temporary folder with a plain chat template
added (the shared copy has none); nothing is written to the repository.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from rewardsmith.core import Sample, load

pytestmark = [pytest.mark.slow, pytest.mark.models]

TEMPLATE = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"
STORY = "{{ completion }}"  # the judge template: the fenced completion alone (the model's context is 512 tokens)
OPENINGS = ["Once upon a time", "Lily saw a big dog", "Tom had a red ball", "The sun was hot"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(shared_data, tmp_path_factory):
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from transformers.utils.import_utils import is_serve_available

    if not is_serve_available():
        pytest.skip("transformers serve needs fastapi, uvicorn and openai")
    folder = tmp_path_factory.mktemp("tiny-judge")
    for path in (shared_data / "tiny_llama_stories260k" / "hf").iterdir():
        shutil.copyfile(path, folder / path.name)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    (folder / "tokenizer_config.json").write_text(json.dumps({**config, "chat_template": TEMPLATE}))
    port = free_port()
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(folder), "--host", "127.0.0.1",
               "--port", str(port), "--device", "cpu", "--log-level", "warning"]
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"transformers serve did not start: {(folder / 'serve.log').read_text()[-2000:]}")
                time.sleep(1)
        yield url, str(folder), transformers
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def greedy(transformers, folder: str, user: str, max_new_tokens: int) -> str:
    """The model's greedy answer computed directly, with the same chat template."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder)
    ids = tokenizer.apply_chat_template([{"role": "user", "content": user}], add_generation_prompt=True,
                                        return_tensors="pt")["input_ids"]
    out = model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def judge(url: str, folder: str, **params) -> dict:
    return {"type": "judge.pointwise", "base_url": url, "model": folder, "template": str(params.pop("template")),
            "system": None, "max_tokens": 24, **params}


def test_a_real_served_model_answers_through_the_judge_as_it_does_directly(served, tmp_path) -> None:
    url, folder, transformers = served
    template = tmp_path / "story.j2"
    template.write_text(STORY)
    labels = {"she": 1.0, "he": 0.0}
    reward = load(judge(url, folder, template=template, parse="label", labels=labels, max_concurrency=4))
    samples = [Sample(text, prompt="") for text in OPENINGS]
    results = reward.score(samples)
    alone = [reward.score([sample])[0] for sample in samples]
    assert [r.value for r in results] == [r.value for r in alone]
    from rewardsmith.judges.parse import parse_label
    from rewardsmith.judges.prompts import fence

    for sample, result in zip(samples, results, strict=True):
        direct = greedy(transformers, folder, fence(sample.text)[0], 24)
        found = parse_label(direct, labels)
        if found is None:
            assert result.status == "error" and str(result.error_kind) == "remote"
        else:
            assert result.value == found[1]
            assert result.details["answer"] == direct[-300:]
    assert any(r.value is not None for r in results)


def test_a_real_model_that_writes_no_score_gives_errors_and_n_it_ignores_is_caught(served, tmp_path) -> None:
    url, folder, _ = served
    template = tmp_path / "story.j2"
    template.write_text(STORY)
    plain = load(judge(url, folder, template=template))("Once upon a time")
    assert plain.status == "error" and "no rating in the judge's answer" in plain.error
    sampled = load(judge(url, folder, template=template, samples=2, temperature=0.7))("Once upon a time")
    assert sampled.status == "error" and "returned 1 of 2 samples" in sampled.error


def test_both_orders_reach_the_real_server_and_a_rerun_comes_from_the_cache(served, tmp_path) -> None:
    url, folder, _ = served
    template = tmp_path / "pair.j2"
    template.write_text("{{ completion_a }} {{ completion_b }}")
    spec = {"type": "judge.pairwise", "base_url": url, "model": folder, "template": str(template), "system": None,
            "max_tokens": 8, "cache": str(tmp_path / "cache.sqlite")}
    group = [Sample(text, prompt="", group="g") for text in OPENINGS[:2]]
    first = load(spec).score(group)
    assert all(r.status == "error" and "no verdict" in r.error for r in first)  # a story teller writes no [[A]]
    reward = load(spec)
    calls = reward.pair_calls("", group[0].text, group[1].text)
    first_order, swapped = (call[0][-1]["content"] for call in calls)
    assert first_order.index(group[0].text) < first_order.index(group[1].text)
    assert swapped.index(group[1].text) < swapped.index(group[0].text)
    answers = reward.client().gather(calls)
    assert [a.usage.cached for a in answers] == [1, 1]  # both orders were asked on the first run
