"""Learned rewards on one engine (:mod:`.engine`: load once, pack by width and token budget, pad,
run, unpad): ``model.classifier`` (reward models), ``model.prm`` (process reward models),
``model.implicit`` (DPO / implicit PRM rewards), ``model.likelihood`` (log p of the completion or
of the reference) and ``model.self_certainty`` (confidence from the model's own distributions).
torch and transformers are imported inside functions (the ``models`` extra)."""
