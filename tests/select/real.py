"""Real data for the selection tests, read in place from the shared data folder (never copied)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rewardsmith.audit.data import explode

GSM8K_MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def qwen_rows(shared_data: Path, reward_from: str | None = None) -> list[dict[str, Any]]:
    """Qwen2.5-Math best-of-8: each of the 100 problems exploded into its 8 responses, grouped by
    problem; ``label`` is the stored correctness, ``pred`` the extracted answer. With
    ``reward_from``, that field is also copied to ``reward`` (an already-scored file)."""
    rows = []
    with (shared_data / "qwen-math-bon" / "math_cot_100.jsonl").open() as handle:
        for index, line in enumerate(handle):
            record = json.loads(line)
            for row in explode(record, ["code", "pred", "score", "pred_score"], "qwen", index):
                row["completion"] = row.pop("code")
                row["label"] = row.pop("score")
                if reward_from is not None:
                    value = row[reward_from]
                    while isinstance(value, list) and len(value) == 1:  # pred_score is [[3.55]] per response
                        value = value[0]
                    row.update(reward=value, reward_error=None, reward_details={})
                rows.append(row)
    return rows


def gsm8k_rows(shared_data: Path, problems: int | None = None) -> list[dict[str, Any]]:
    """GSM8K: the four labelled model solutions of each test problem, grouped by problem."""
    rows = []
    with (shared_data / "gsm8k" / "example_model_solutions.jsonl").open() as handle:
        for index, line in enumerate(handle):
            if problems is not None and index >= problems:
                break
            record = json.loads(line)
            for model in GSM8K_MODELS:
                rows.append({
                    "id": f"{index}-{model}", "group": index, "prompt": record["question"],
                    "completion": record[model]["solution"], "reference": record["ground_truth"],
                    "label": record[model]["is_correct"],
                })
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
