"""Cost-aware rewards for reasoning: pay for correct answers reached with fewer tokens.

``efficiency.correct_short`` (ShorterBetter's sample-optimal length) and
``efficiency.overthinking`` (tokens spent after the first correct answer); ``length.budget``
(L1's token budgets) lives with the other length rewards in :mod:`..length.budget`.
"""
