"""Rewards over multi-turn tool-calling trajectories: ``agent.*`` (see docs/agents.md)."""
