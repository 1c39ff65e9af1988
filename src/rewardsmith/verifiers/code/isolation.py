"""Linux isolation primitives for the code sandbox, through raw system calls (ctypes, no binaries).

Two layers:

* :func:`enter_namespaces` runs once per warm server: new user, mount, network and PID
  namespaces (what ``unshare -rnmpf --mount-proc`` does), a fresh ``/proc``, the whole file
  system remounted read-only, and a small private tmpfs on ``/tmp`` for work directories.
* :func:`confine` runs in every sandboxed program: resource limits, every capability dropped,
  ``no_new_privs``, not dumpable (so siblings cannot read its memory or file descriptors), and a
  seccomp filter that refuses to create processes (threads are allowed): fork bombs fail at the
  first fork, also when the host runs as root, where the kernel ignores ``RLIMIT_NPROC``.

Every step that the kernel refuses is recorded, never silently skipped: the active isolation is
what :func:`enter_namespaces` returns, and ``rewardsmith doctor`` prints it.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct
from dataclasses import dataclass

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 16384, 1 << 18
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 1
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 1, 4, 24, 28
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_SET_SECCOMP, PR_SET_CHILD_SUBREAPER = 38, 47, 22, 36
SECUREBITS_LOCKED_NOROOT = 0x2F  # noroot, no_setuid_fixup and keep_caps, each locked
SYS_MOUNT_SETATTR, SYS_CLONE3 = 442, 435

# Per architecture: (audit arch, clone, fork or None, vfork or None).
_ARCH = {
    "x86_64": (0xC000003E, 56, 57, 58),
    "aarch64": (0xC00000B7, 220, None, None),
}
# Per architecture, for a program's process: calls that reach other processes (tkill, ptrace,
# process_vm_readv/writev, kcmp, pidfd_send_signal, pidfd_open, pidfd_getfd), refused; and
# calls that signal a pid (kill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo), allowed for the
# caller's own pid only.
_OTHERS = {
    "x86_64": ((200, 101, 310, 311, 312, 424, 434, 438), (62, 234, 129, 297)),
    "aarch64": ((130, 117, 270, 271, 272, 424, 434, 438), (129, 131, 138, 240)),
}

_libc = ctypes.CDLL(None, use_errno=True)
# Resolved once here, in the server: every forked process inherits them instead of looking each
# symbol up again (a few tens of microseconds per check).
_libc_prctl, _libc_capset = _libc.prctl, _libc.capset
_CAP_HEADER = ctypes.create_string_buffer(struct.pack("Ii", 0x20080522, 0))  # v3, this process
_CAP_DATA = ctypes.create_string_buffer(bytes(24))  # no capability in any set


class IsolationError(OSError):
    """A kernel call the sandbox relies on failed."""


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise IsolationError(errno, f"{what}: {os.strerror(errno)}")
    return result


def _prctl(option: int, arg: int | ctypes.c_void_p = 0) -> int:
    return _libc_prctl(option, arg, 0, 0, 0)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(value: str | None) -> bytes | None:
        return value.encode() if value is not None else None

    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _make_read_only(path: str) -> None:
    """Read-only for ``path`` and every mount below it (mount_setattr, Linux 5.12+)."""
    attr = struct.pack("QQQQ", MOUNT_ATTR_RDONLY, 0, 0, 0)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    _check(_libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, path.encode(), AT_RECURSIVE, buffer, len(attr)),
           f"mount_setattr read-only {path}")


@dataclass
class Isolation:
    """What the kernel granted; ``warnings`` names every protection that is missing."""

    user_namespace: bool = False
    network_namespace: bool = False
    pid_namespace: bool = False
    fresh_proc: bool = False
    read_only_root: bool = False
    private_tmp: bool = False
    seccomp: bool = False
    host_uid: int = -1
    warnings: tuple[str, ...] = ()


def enter_namespaces(tmp_size_mb: int = 256) -> Isolation:
    """Move this process into fresh namespaces; returns in the child that is PID 1 there.

    The calling process forks once (a new PID namespace takes effect for children); the original
    process waits for that child and exits with its status, so it never returns from here.
    """
    uid, gid = os.geteuid(), os.getegid()
    found = Isolation(host_uid=uid)
    warnings: list[str] = []
    try:
        _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID), "unshare")
    except OSError as exc:
        warnings.append(f"namespaces refused by the kernel ({exc.strerror}): network is NOT isolated")
        found.warnings = tuple(warnings)
        return found
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")
    found.user_namespace = found.network_namespace = True
    child = os.fork()
    if child:
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    _prctl(PR_SET_PDEATHSIG, 9)
    found.pid_namespace = True
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
        found.fresh_proc = True
    except OSError as exc:
        warnings.append(f"fresh /proc refused ({exc.strerror}): host processes stay visible")
    try:
        _make_read_only("/")
        found.read_only_root = True
    except OSError as exc:
        warnings.append(f"read-only root refused ({exc.strerror}): programs may write outside /tmp")
    try:
        _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_size_mb}m,mode=1777")
        found.private_tmp = True
    except OSError as exc:
        warnings.append(f"private /tmp refused ({exc.strerror})")
    found.seccomp = platform.machine() in _ARCH
    if not found.seccomp:
        warnings.append(f"no seccomp filter for {platform.machine()}: forks are limited by RLIMIT_NPROC only")
    found.warnings = tuple(warnings)
    return found


def _seccomp_program(own_pid: int | None = None) -> list[tuple[int, int, int, int]]:
    """BPF: refuse fork, vfork and process-creating clone; clone3 answers ENOSYS (libc falls back).

    Threads (clone with CLONE_THREAD) stay allowed; other architectures' and x32 calls are refused.
    With ``own_pid`` (a program's process) the filter also refuses every call that reaches another
    process: signals go to ``own_pid`` only, and ptrace, process_vm_readv/writev, kcmp and the
    pidfd calls are refused, so the program can neither stop, kill nor read the trusted process
    that runs its tests.
    """
    machine = platform.machine()
    arch, clone, fork, vfork = _ARCH[machine]
    denied, signalling = _OTHERS[machine] if own_pid is not None else ((), ())
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    code: list[tuple[int, str | int, str | int, int]] = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 0, "eperm", arch),
        (ld, 0, 0, 0),  # seccomp_data.nr
        (jge, "eperm", 0, 0x40000000),  # x32 ABI
        (jeq, "enosys", 0, SYS_CLONE3),
        *[(jeq, "eperm", 0, n) for n in (fork, vfork, *denied) if n is not None],
        *[(jeq, "own_pid", 0, n) for n in signalling],
        (jeq, 0, "allow", clone),
        (ld, 0, 0, 16),  # low half of args[0]: clone flags
        (jset, "allow", "eperm", 0x10000),  # CLONE_THREAD
    ]
    labels = {"allow": len(code), "eperm": len(code) + 1, "enosys": len(code) + 2, "own_pid": len(code) + 3}
    code += [(ret, 0, 0, allow), (ret, 0, 0, eperm), (ret, 0, 0, enosys)]
    if own_pid is not None:
        # low half of args[0], the pid: jumps only go forward, so this block has its own returns
        code += [(ld, 0, 0, 16), (jeq, 0, 1, own_pid), (ret, 0, 0, allow), (ret, 0, 0, eperm)]

    def offset(target: str | int, index: int) -> int:
        return target if isinstance(target, int) else labels[target] - index - 1

    return [(op, offset(jt, i), offset(jf, i), k) for i, (op, jt, jf, k) in enumerate(code)]


_filters: dict[bool, tuple[ctypes.Array, ctypes.Array]] = {}


def _filter(program: bool) -> tuple[ctypes.Array, ctypes.Array]:
    """The packed filter and its ``sock_fprog``, built once per process tree: the server builds
    both before it forks, so a check neither builds the program nor creates ctypes buffers (a
    few hundred microseconds in a fresh child); a program process's own pid is patched in."""
    if program not in _filters:
        raw = b"".join(struct.pack("HBBI", *insn) for insn in _seccomp_program(0 if program else None))
        filters = ctypes.create_string_buffer(raw, len(raw))
        fprog = ctypes.create_string_buffer(struct.pack("HxxxxxxP", len(raw) // 8, ctypes.addressof(filters)))
        _filters[program] = (filters, fprog)
    return _filters[program]


def _install_seccomp(own_pid: int | None = None) -> None:
    filters, fprog = _filter(own_pid is not None)
    if own_pid is not None:  # the pid check is the fourth instruction from the end
        struct.pack_into("I", filters, len(filters) - 3 * 8 + 4, own_pid)
    _check(_libc_prctl(PR_SET_SECCOMP, 2, fprog, 0, 0), "seccomp")


if platform.machine() in _ARCH:
    _filter(True), _filter(False)


def drop_bounding_set() -> None:
    """Empty the capability bounding set: no later exec can gain a capability.

    The fork server does this once after setting up its namespaces (it needs no capability
    afterwards); every runner inherits the empty set, so a check does not pay for 64 prctl calls.
    """
    global _bounding_set_empty
    if _bounding_set_empty:
        return
    for cap in range(64):
        if _prctl(PR_CAPBSET_DROP, cap) < 0 and ctypes.get_errno() == 22:
            break
    _bounding_set_empty = True


_bounding_set_empty = False


def _drop_capabilities() -> None:
    """No capability in any set, none regained through uid 0 or exec, no new privileges."""
    _prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED_NOROOT)
    drop_bounding_set()
    _prctl(PR_CAP_AMBIENT, 4)
    _libc_capset(_CAP_HEADER, _CAP_DATA)
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed program (per process; files and memory in MB)."""

    cpu_seconds: int = 10
    memory_mb: int = 1024
    file_size_mb: int = 16
    open_files: int = 64
    processes: int = 64


def confine(limits: Limits, no_fork: bool = True, program: bool = False) -> None:
    """Apply limits and drop privileges in the current process; irreversible by design.

    ``program``: this process runs untrusted code, which may signal or inspect no other process.
    """
    apply_limits(limits)
    lock_down(no_fork, program)


def apply_limits(limits: Limits) -> None:
    """The resource limits of one check (lowering a limit needs no privilege)."""
    for kind, value in (
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.memory_mb * 2**20),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * 2**20),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_CORE, 0),
    ):
        hard = value + 1 if kind == resource.RLIMIT_CPU else value
        resource.setrlimit(kind, (value, hard))


def lock_down(no_fork: bool = True, program: bool = False) -> None:
    """Not dumpable, every capability dropped, and the seccomp filter: what does not depend on the
    job, so a program process does it while it waits for one."""
    _prctl(PR_SET_DUMPABLE, 0)
    _drop_capabilities()
    if no_fork or program:
        forbid_fork(program)


def forbid_fork(program: bool = False) -> None:
    """From now on this process cannot create processes (threads still work).

    ``program``: nor signal any process but itself, nor trace or read another one.
    """
    if platform.machine() in _ARCH:
        _install_seccomp(os.getpid() if program else None)


def set_dumpable(dumpable: bool) -> None:
    """A process that is not dumpable cannot be traced or read (``/proc/PID/mem``, ``fd``) by
    another process of the same user without a capability; forks inherit the setting."""
    _prctl(PR_SET_DUMPABLE, int(dumpable))


def become_subreaper() -> None:
    """Orphaned descendants are re-parented to this process (which must reap them)."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends."""
    _prctl(PR_SET_PDEATHSIG, 9)
