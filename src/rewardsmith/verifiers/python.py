"""``python``: any existing reward function, in TRL, verl or plain convention, as a component."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rewardsmith.core import RewardResult, Sample, register
from rewardsmith.core.functions import call_function, detect_convention, import_function
from rewardsmith.core.reward import Reward


@register("python")
class PythonFunction(Reward):
    """Wrap a user function given as ``module:function`` or ``path/to/file.py:function``.

    The convention is detected from the signature unless given: TRL
    ``f(prompts, completions, **columns) -> list[float | None]`` (called once per batch, with
    ``reference`` and every other field as columns; ``reference_as`` also passes the reference
    under the column name the function expects, e.g. ``solution``), verl
    ``compute_score(data_source, solution_str, ground_truth, extra_info)``, or plain
    ``f(completion, reference)``. Return values are coerced: bool, number, one-element list, a
    dict with ``score``; None means "not applicable"; NaN or an exception is an error result.

    The function is imported again after unpickling, so the component travels to worker
    processes and Ray actors by name.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "my_rewards.py"
    >>> _ = path.write_text(
    ...     "def compute_score(data_source, solution_str, ground_truth, extra_info=None):" + chr(10)
    ...     + "    return {'score': float(solution_str.strip() == ground_truth)}" + chr(10))
    >>> reward = PythonFunction(f"{path}:compute_score")
    >>> reward._resolved_convention, reward("42", "42").value, reward("41", "42").value
    ('verl', 1.0, 0.0)
    """

    example: ClassVar[dict[str, Any]] = {
        "type": "python",
        "function": "rewardsmith.testing.functions:mentions_reference",
    }

    def __init__(
        self,
        function: str,
        convention: Literal["auto", "trl", "verl", "plain"] = "auto",
        reference_as: str | None = None,
    ) -> None:
        self.function = function
        self.convention = convention
        self.reference_as = reference_as
        self._callable: Any = None
        self._resolved_convention: Literal["trl", "verl", "plain"] | None = None
        self._load()

    def _load(self) -> None:
        self._callable = import_function(self.function)
        detected = detect_convention(self._callable)
        self._resolved_convention = detected if self.convention == "auto" else self.convention

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_callable",)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._load()

    def score_batch(self, samples: list[Sample]) -> list[RewardResult]:
        """The function's results; an error names this component and the function."""
        assert self._resolved_convention is not None
        results = call_function(self._callable, self._resolved_convention, samples, self.reference_as)
        where = f"{self.name} {self.function}"
        return [
            result
            if result.error is None
            else RewardResult(None, f"{where}: {result.error}", result.details, result.error_kind)
            for result in results
        ]
