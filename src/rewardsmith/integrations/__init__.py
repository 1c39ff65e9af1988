"""Trainer adapters (TRL, verl, OpenRLHF) and Ray scale-out: thin shims over one Reward.

Import the module you need (``rewardsmith.integrations.trl``, ``.verl``, ``.openrlhf``,
``.ray``); nothing here imports a trainer, so each adapter stays importable without it.
"""
