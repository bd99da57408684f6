"""Take away a process's ability to open a network connection, for good.

The SPARQL engine (pyoxigraph) answers ``SERVICE <url>`` by fetching the URL,
and nothing in its Python API turns that off. ``graph.semantic.sparql`` refuses such
queries before they run, but a refusal that rests on reading the query text is
only as good as that reading; so the child process that evaluates a query also
calls :func:`forbid_sockets` first, after which the kernel itself (a seccomp
filter) kills the process the moment it tries ``socket``, ``socketpair``,
``connect`` or ``io_uring_setup``. The parent sees the child die of
``SIGSYS`` and knows exactly why: nothing else in an in-memory query opens a
socket.

Killing, rather than failing the call with ``EPERM``, matters: ``SERVICE
SILENT`` swallows errors, so a failed connection would turn into an empty
answer and nobody would learn that a query tried to leave the box.

A filter can only be added, never removed, and ``PR_SET_NO_NEW_PRIVS`` (which
an unprivileged process must set first) is inherited, so this is for a process
that will never need the network again. Linux on x86_64 and aarch64 only: the
filter checks the architecture the call is made for (a 32-bit ``int 0x80`` or
an x32 call on x86_64 is killed too, since their numbers differ); elsewhere
:func:`forbid_sockets` returns ``False`` and the caller relies on its other
limits (``graph.semantic.sparql`` keeps ``RLIMIT_NOFILE`` at the lowest free descriptor).

>>> prog = program("x86_64")
>>> len(prog), prog[-1] == (RET, 0, 0, KILL_PROCESS), prog[-2] == (RET, 0, 0, ALLOW)
(11, True, True)
>>> program("sparc") is None
True
"""

from __future__ import annotations

import ctypes
import platform
import sys

# Classic BPF, as seccomp reads it (linux/filter.h, linux/seccomp.h, linux/audit.h).
LD_ABS_W = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ = 0x05 | 0x10  # BPF_JMP | BPF_JEQ | BPF_K
JGE = 0x05 | 0x30  # BPF_JMP | BPF_JGE | BPF_K
RET = 0x06  # BPF_RET | BPF_K
ALLOW = 0x7FFF0000  # SECCOMP_RET_ALLOW
KILL_PROCESS = 0x80000000  # SECCOMP_RET_KILL_PROCESS (Linux 4.14)
NR, ARCH = 0, 4  # offsets in struct seccomp_data
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
X32_BIT = 0x40000000

# machine -> (AUDIT_ARCH_*, the syscalls that make or reach a socket, check for x32 numbers)
ARCHES: dict[str, tuple[int, dict[str, int], bool]] = {
    "x86_64": (0xC000003E, {"socket": 41, "connect": 42, "socketpair": 53, "io_uring_setup": 425}, True),
    "aarch64": (0xC00000B7, {"socket": 198, "socketpair": 199, "connect": 203, "io_uring_setup": 425}, False),
}
ARCHES["amd64"] = ARCHES["x86_64"]
ARCHES["arm64"] = ARCHES["aarch64"]


def program(machine: str) -> list[tuple[int, int, int, int]] | None:
    """The filter for ``machine`` as (code, jt, jf, k) instructions; ``None`` if unsupported."""
    if machine.lower() not in ARCHES:
        return None
    audit_arch, calls, x32 = ARCHES[machine.lower()]
    body: list[tuple[int, int, int, int]] = [(LD_ABS_W, 0, 0, ARCH), (JEQ, 1, 0, audit_arch),
                                             (RET, 0, 0, KILL_PROCESS), (LD_ABS_W, 0, 0, NR)]
    checks = ([(JGE, X32_BIT)] if x32 else []) + [(JEQ, nr) for nr in calls.values()]
    for i, (op, k) in enumerate(checks):
        # jump over the remaining checks and the ALLOW to the KILL at the end
        body.append((op, len(checks) - i, 0, k))
    body += [(RET, 0, 0, ALLOW), (RET, 0, 0, KILL_PROCESS)]
    return body


class _Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Insn))]


def forbid_sockets() -> bool:
    """From now on, this process dies (``SIGSYS``) if it tries to open or connect a socket.

    ``True`` once the filter is in place; ``False`` where it cannot be (not
    Linux, another architecture, a kernel without seccomp).
    """
    prog = program(platform.machine()) if sys.platform == "linux" else None
    if prog is None:
        return False
    insns = (_Insn * len(prog))(*(_Insn(*i) for i in prog))
    fprog = _Prog(len(prog), insns)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    status: int = libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0)
    return status == 0
