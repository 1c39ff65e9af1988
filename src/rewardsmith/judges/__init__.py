"""LLM judges: one OpenAI-compatible client (:mod:`.client`) under the ``judge.pointwise``,
``judge.pairwise``, ``judge.rubric``, ``judge.verify`` and ``judge.stored`` components, and the
judge audit on labelled pairs (:mod:`.agreement`). See ``docs/judges.md``.

Nothing here is imported until a judge is used (the registry is lazy); the client needs
``httpx`` (``pip install 'rewardsmith[judges]'``).
"""
