"""model.classifier vs transformers' text-classification pipeline vs one forward pass per text.

One run, same model, same texts, same batch size, same torch threads:

* the model: a ``LlamaForSequenceClassification`` built on the tiny trained Llama in
  ``../shared/data/tiny_llama_stories260k/hf`` (score head initialised with a fixed seed), saved to
  a temporary folder and loaded by each contender from there;
* the texts: HH-RLHF helpful-base test dialogues (``../shared/data/hh_rlhf``), chosen and rejected
  alternately, so lengths are mixed (a few tokens to beyond the model's 512: every contender
  keeps the first 512 tokens);
* rewardsmith: ``model.classifier`` with ``chat_template: none`` and ``truncate: right``;
* the peer: ``pipeline("text-classification", function_to_apply="none")`` (the raw logit) at the
  same ``batch_size``;
* the floor: one plain forward pass per text.

Reported: samples/s, the largest score difference from one-at-a-time, and padding waste
(padded positions that are not tokens). ::

    python benchmarks/models_bench.py [--n 2000] [--batch-size 32] [--threads 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("REWARDSMITH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def texts(count: int) -> list[str]:
    out: list[str] = []
    with gzip.open(DATA / "hh_rlhf" / "helpful-base" / "test.jsonl.gz", "rt") as handle:
        for line in handle:
            pair = json.loads(line)
            out += [pair["chosen"], pair["rejected"]]
            if len(out) >= count:
                return out[:count]
    return out


def build_classifier(folder: Path) -> str:
    import torch
    import transformers

    torch.manual_seed(0)
    source = DATA / "tiny_llama_stories260k" / "hf"
    model = transformers.AutoModelForSequenceClassification.from_pretrained(source, num_labels=1)
    tokenizer = transformers.AutoTokenizer.from_pretrained(source)
    tokenizer.pad_token = tokenizer.eos_token  # the model card's advice for batched scoring
    model.config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def waste(batches: list[list[int]], widths: list[int]) -> float:
    """Share of the computed positions that are padding, for batches of sequence lengths padded
    to the given widths."""
    padded = sum(width * len(batch) for batch, width in zip(batches, widths, strict=True))
    return 1 - sum(map(sum, batches)) / padded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import torch
    import transformers

    from rewardsmith.core import Sample
    from rewardsmith.models import engine
    from rewardsmith.models.classifier import Classifier

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    corpus = texts(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        path = build_classifier(Path(tmp))
        reward = Classifier(path, chat_template="none", truncate="right", max_length=512,
                            batch_size=args.batch_size, max_tokens=None, device="cpu")
        tokenizer = transformers.AutoTokenizer.from_pretrained(path)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(path).eval()
        peer = transformers.pipeline("text-classification", model=model, tokenizer=tokenizer, device="cpu")
        samples = [Sample(text) for text in corpus]
        reward.score(samples[:4])  # load the weights once, outside the timing
        peer(corpus[:4], function_to_apply="none", truncation=True, max_length=512)

        def ours() -> list[float]:
            return [r.value for r in reward.score(samples)]

        def pipeline() -> list[float]:
            out = peer(corpus, batch_size=args.batch_size, function_to_apply="none", truncation=True, max_length=512)
            return [o["score"] for o in out]

        def one_at_a_time() -> list[float]:
            with torch.inference_mode():
                encoded = (tokenizer(text, truncation=True, max_length=512, return_tensors="pt") for text in corpus)
                return [model(**ids).logits[0, 0].item() for ids in encoded]

        contenders = {"rewardsmith model.classifier": ours, "transformers pipeline": pipeline,
                      "one forward per text": one_at_a_time}
        best = dict.fromkeys(contenders, float("inf"))
        values: dict[str, list[float]] = {}
        for _ in range(args.repeat):  # interleaved, best of --repeat: the machine is shared
            for name, run in contenders.items():
                start = time.perf_counter()
                values[name] = run()
                best[name] = min(best[name], time.perf_counter() - start)
        rows = [(name, best[name], values[name]) for name in contenders]
        single = values["one forward per text"]

        lengths = [len(tokenizer(t, truncation=True, max_length=512)["input_ids"]) for t in corpus]
        ours_batches = [[lengths[i] for i in b] for b in engine.pack(lengths, args.batch_size, None, 512)]
        peer_batches = [lengths[i:i + args.batch_size] for i in range(0, len(lengths), args.batch_size)]
        waste_of = {
            rows[0][0]: waste(ours_batches, [engine.width_of(b[0], 512) for b in ours_batches]),
            rows[1][0]: waste(peer_batches, [max(b) for b in peer_batches]),
            rows[2][0]: 0.0,
        }

    print(f"{len(corpus)} HH-RLHF texts, {sum(lengths)} tokens (mean {sum(lengths) / len(lengths):.0f}, "
          f"max {max(lengths)}), batch size {args.batch_size}, torch threads {args.threads}, "
          f"best of {args.repeat}, torch {torch.__version__}, transformers {transformers.__version__}\n")
    print("| contender | samples/s | speed-up vs pipeline | max abs diff vs one-at-a-time | padding waste |")
    print("|---|---:|---:|---:|---:|")
    peer_rate = len(corpus) / rows[1][1]
    for name, seconds, values in rows:
        rate = len(corpus) / seconds
        diff = max(abs(a - b) for a, b in zip(values, single, strict=True))
        print(f"| {name} | {rate:,.0f} | {rate / peer_rate:.2f}x | {diff:.1e} | {waste_of[name]:.1%} |")


if __name__ == "__main__":
    main()
