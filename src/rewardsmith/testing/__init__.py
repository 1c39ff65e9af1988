"""Conformance tests for components, ours and third-party: :func:`check_component` runs one
shared battery (modelled on scikit-learn's ``check_estimator``) over any reward.

>>> from rewardsmith.testing import check_component
>>> check_component("format.regex", checks=["sync_async", "values"])
['sync_async', 'values']
"""

from .checks import CHECKS, PATH_CHECKS, ConformanceError, check_component, example_spec
from .samples import default_samples

__all__ = ["CHECKS", "PATH_CHECKS", "ConformanceError", "check_component", "default_samples", "example_spec"]
