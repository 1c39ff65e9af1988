"""Train a reward model (Bradley-Terry, through TRL's RewardTrainer) or a process reward model
(a token-classification head read at each step tag) on your own data; the output folder loads as
``model.classifier`` / ``model.prm`` and carries its audit. See docs/train.md.

Needs the ``train`` extra (torch, transformers, TRL); everything heavy is imported lazily.
"""
