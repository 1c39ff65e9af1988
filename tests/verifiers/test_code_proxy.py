"""The tests call the program through proxies: what crosses between the two processes, and how.

Each test runs a real program in the real sandbox; the values asserted are the verdicts the
tests get. What the *attacks* on this design get is in ``test_code_adversarial.py``.
"""

from __future__ import annotations

from typing import Any

from rewardsmith.core import ErrorKind
from rewardsmith.verifiers.code.reward import CodeTests


def run(code: str, asserts: list[str], **params: Any):
    reward = CodeTests(mode="fraction", timeout=params.pop("timeout", 2.0), workers=2, **params)
    return reward(f"```python\n{code}\n```", {"asserts": asserts})


def statuses(result) -> list[str]:
    return [test["status"] for test in result.details["tests"]]


def test_plain_values_keep_their_exact_types_both_ways():
    code = "def echo(*args, **kwargs):\n    return [args, kwargs]\n"
    value = ("(1, 2.5, -0.0, 2**80, 'é\\n', b'\\x00\\xff', 3+4j, None, True, [1], {1: (2,)}, {3}, "
             "frozenset({4}), float('inf'))")
    asserts = [f"v = {value}\nresult = echo(*v, key=v)\nassert result == [v, {{'key': v}}]\n"
               "assert [type(x) for x in result[0]] == [type(x) for x in v]",
               "assert type(echo(True)[0][0]) is bool and echo(2**80)[0][0] == 2**80"]
    result = run(code, asserts)
    assert statuses(result) == ["passed", "passed"], result.details


def test_a_helper_defined_by_the_program_is_a_proxy_too():
    # HumanEval/32 calls the prompt's helper ``poly`` from the tests.
    reference = {"prompt": "def poly(xs, x):\n    return sum(c * x ** i for i, c in enumerate(xs))\n\n"
                           "def find_zero(xs):\n",
                 "entry_point": "find_zero",
                 "test": "def check(candidate):\n    xs = [-6, 11, -6, 1]\n"
                         "    assert abs(poly(xs, candidate(xs))) < 1e-6\n"}
    reward = CodeTests(workers=2)
    assert reward("    return 1.0\n", reference).value == 1.0
    assert reward("    return 1.5\n", reference).value == 0.0


def test_callables_of_the_tests_are_called_back():
    code = ("def apply(function, values):\n    return [function(v) for v in values]\n"
            "def pick(values, key):\n    return sorted(values, key=key)\n")
    asserts = ["assert apply(lambda v: v * 2, [1, 2]) == [2, 4]",
               "assert apply(len, ['ab', '']) == [2, 0] and apply(str.upper, ['a']) == ['A']",
               "import math\nassert apply(math.sqrt, [4]) == [2.0]",
               "def last(pair):\n    return pair[-1]\n"
               "assert pick([(1, 'b'), (2, 'a')], key=last) == [(2, 'a'), (1, 'b')]"]
    assert statuses(run(code, asserts)) == ["passed"] * 4


def test_objects_of_the_program_stay_there_and_work_by_reference():
    code = ("class Stack:\n    def __init__(self):\n        self.items = []\n"
            "    def push(self, x):\n        self.items.append(x)\n        return self\n"
            "    def pop(self):\n        return self.items.pop()\n"
            "def size(stack):\n    return len(stack.items)\n")
    asserts = ["s = Stack()\ns.push(1).push(2)\nassert s.pop() == 2 and size(s) == 1 and s.items == [1]",
               "s = Stack()\ns.items = [5, 6]\nassert size(s) == 2",
               "assert Stack() != Stack()",
               "s = Stack()\nassert s"]  # a program object has no truth value for the tests
    result = run(code, asserts)
    assert statuses(result) == ["passed", "passed", "passed", "failed"], result.details
    assert "has no truth value" in result.details["tests"][3]["error"]


def test_arguments_changed_in_place_are_changed_for_the_tests():
    code = ("def sort_in_place(values):\n    values.sort()\n"
            "def tag(d, s):\n    d['seen'] = True\n    s.add(0)\n")
    asserts = ["v = [3, 1, 2]\nassert sort_in_place(v) is None and v == [1, 2, 3]",
               "d, s = {}, set()\ntag(d, s)\nassert d == {'seen': True} and s == {0}"]
    assert statuses(run(code, asserts)) == ["passed", "passed"]


def test_exceptions_of_the_program_reach_the_tests_as_built_in_exceptions():
    code = ("class Invalid(ValueError):\n    pass\n"
            "def parse(text):\n    if not text.isdigit():\n        raise Invalid(f'not a number: {text}')\n"
            "    return int(text)\n"
            "def look(d, k):\n    return d[k]\n")
    asserts = ["try:\n    parse('x')\nexcept ValueError as exc:\n    assert str(exc) == 'not a number: x'\n"
               "else:\n    raise AssertionError('no exception')",
               "assert parse('x') == 1",
               "look({}, 'k')"]
    result = run(code, asserts)
    assert statuses(result) == ["passed", "failed", "failed"]
    assert [t["error"] for t in result.details["tests"][1:]] == ["Invalid: not a number: x", "KeyError: 'k'"]

def test_a_slow_call_times_out_and_the_next_test_still_runs():
    code = "def f(x):\n    while x:\n        pass\n    return 1\n"
    result = run(code, ["assert f(1) == 1", "assert f(0) == 1"], timeout=0.5)
    assert statuses(result) == ["timed_out", "passed"]

def test_an_argument_that_cannot_cross_is_an_error_naming_the_test():
    code = "def total(values):\n    return sum(values)\n"
    result = run(code, ["assert total([1, 2]) == 3", "assert total(x for x in [1, 2]) == 3"])
    assert result.value is None and result.error_kind is ErrorKind.BAD_INPUT
    assert result.error == ("code.tests: test 1: a generator argument cannot be sent to the program's "
                            "process")

def test_modules_the_program_imported_are_the_tests_own():
    code = "import math\nimport collections as c\nLIMIT = [1, 2]\ndef f(x):\n    return x\n"
    asserts = ["assert math.isclose(f(0.1 + 0.2), 0.3) and c.Counter('aab')['a'] == 2 and LIMIT == [1, 2]"]
    assert statuses(run(code, asserts)) == ["passed"]


def test_packages_the_program_imported_must_be_imported_by_the_tests():
    # The program names the module; only the standard library is imported on its word.
    code = "import yaml as y\ndef f(x):\n    return x\n"
    result = run(code, ["assert y.safe_load('a: 1') == {'a': 1}",
                        "import yaml\nassert yaml.safe_load(f('a: 1')) == {'a': 1}"])
    assert statuses(result) == ["failed", "passed"]
    assert result.details["tests"][0]["error"] == (
        "ImportError: the tests cannot import 'yaml', which the program imported (not a "
        "standard-library module: the tests must import it themselves)")
