"""User functions for tests loaded through the ``python`` component."""


def nothing(completion, reference):
    return None
