"""Trajectory rewards through the trainers' own call shapes (TRL tool-calling GRPO, verl agent loop,
OpenRLHF's text agent protocol)."""

from __future__ import annotations

import json

import pytest

from rewardsmith.core import load
from rewardsmith.integrations.trl import TRLReward
from rewardsmith.integrations.verl import compute_score

GOLD = [{"name": "cancel", "kwargs": {"id": "R1"}}]
SPEC = {"type": "product", "terms": [{"type": "agent.actions"}, {"type": "agent.protocol"}]}


def tool_call(reservation: str) -> dict:
    return {
        "id": "c1",
        "type": "function",
        "function": {"name": "cancel", "arguments": json.dumps({"id": reservation})},
    }


def trajectory(reservation: str) -> list[dict]:
    return [
        {"role": "assistant", "content": None, "tool_calls": [tool_call(reservation)]},
        {"role": "tool", "tool_call_id": "c1", "name": "cancel", "content": "ok"},
        {"role": "assistant", "content": "Cancelled."},
    ]


def test_trl_passes_the_whole_tool_calling_conversation() -> None:
    """TRL's GRPOTrainer with tools hands each completion over as the list of messages it generated
    (assistant turns with tool_calls and the tool results appended by its tool loop)."""
    reward = TRLReward(SPEC)
    prompts = [[{"role": "user", "content": "Cancel R1"}]] * 2
    values = reward(prompts=prompts, completions=[trajectory("R1"), trajectory("R2")], reference=[GOLD, GOLD])
    assert values == [1.0, 0.0]


def test_verl_scores_the_trajectory_an_agent_loop_records_in_extra_info() -> None:
    result = compute_score(
        data_source="airline",
        solution_str="decoded text of the whole rollout",
        ground_truth=GOLD,
        extra_info={"index": 3, "num_turns": 2, "messages": trajectory("R1")},
        spec=SPEC,
    )
    assert result["score"] == 1.0
    wrong = compute_score("airline", "text", GOLD, {"index": 4, "messages": trajectory("R2")}, spec=SPEC)
    assert wrong["score"] == 0.0


def test_text_agents_hermes_tool_call_blocks_count_as_calls() -> None:
    """OpenRLHF's agent protocol (and verl before tool parsing) exchange text: a trajectory of
    action texts with <tool_call> blocks is scored like structured tool calls."""
    messages = [
        {"role": "assistant", "content": '<tool_call>{"name": "cancel", "arguments": {"id": "R1"}}</tool_call>'},
        {"role": "user", "content": "ok"},
        {"role": "assistant", "content": "Cancelled."},
    ]
    assert load(SPEC)(messages, reference=GOLD).value == 1.0
    broken = [{"role": "assistant", "content": "<tool_call>{not json</tool_call>"}]
    assert load("agent.protocol")(broken).details["violations"][0]["category"] == "malformed call"


@pytest.mark.parametrize("reservation, expected", [("R1", 1.0), ("R2", 0.0)])
def test_openrlhf_agent_executor_pattern(reservation: str, expected: float) -> None:
    """The docs/agents.md pattern: an OpenRLHF AgentInstance keeps the conversation and pays the
    trajectory reward on the final step (rewards are summed over steps, so earlier steps pay 0)."""
    reward = load(SPEC)
    history: list[dict] = []
    step_rewards = []
    for action_text in (
        f'<tool_call>{{"name": "cancel", "arguments": {{"id": "{reservation}"}}}}</tool_call>',
        "Cancelled.",
    ):
        history.append({"role": "assistant", "content": action_text})
        done = "<tool_call>" not in action_text
        step_rewards.append(reward(history, reference=GOLD).value if done else 0.0)
        if not done:
            history.append({"role": "user", "content": "ok"})
    assert sum(step_rewards) == expected
