"""A sandbox for one submission: bubblewrap, with nothing of the teacher's inside.

The sandbox sees the system's programs and libraries, Python and the course package, all
read-only; one fresh folder holding only the submission, writable; a private ``/tmp`` of limited
size. It has no network (only its own loopback), no other process, no variable of the teacher's
environment, no capability, an unprivileged user, and limits on memory, file size and processes.
When the sandbox's first process ends, every process it started is killed with it.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import course_utils

#: Where the submission's folder appears inside the sandbox.
INSIDE = "/submission"
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
_ETC = ("fonts", "ld.so.cache", "localtime", "nsswitch.conf", "passwd", "group")


def available() -> bool:
    """Whether bubblewrap is installed."""
    return shutil.which("bwrap") is not None


def command(folder: Path, argv: list[str], *, tmp_bytes: int = 512 * 2**20) -> list[str]:
    """The bubblewrap command that runs ``argv`` in a sandbox around ``folder``.

    Example:
        >>> cmd = command(Path("/tmp/work"), ["python", "-V"])
        >>> cmd[0], "--unshare-all" in cmd, cmd[-2:]
        ('bwrap', True, ['python', '-V'])
    """
    package = Path(course_utils.__file__).resolve().parent
    binds: list[str] = []
    for path in _SYSTEM:
        if Path(path).exists():
            binds += ["--ro-bind", path, path]
    for name in _ETC:
        if Path("/etc", name).exists():
            binds += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for path in dict.fromkeys([sys.base_prefix, sys.prefix, str(package)]):
        binds += ["--ro-bind", path, path]
    environment = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "JUPYTER_CONFIG_DIR": "/tmp/jupyter",
        "IPYTHONDIR": "/tmp/ipython",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "COURSE_DEVICE": "cpu",
    }
    settings = [item for key, value in environment.items() for item in ("--setenv", key, value)]
    return [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--clearenv",
        *settings,
        # /tmp first: Python or the package may live under it, and their binds must come on top
        "--size",
        str(tmp_bytes),
        "--tmpfs",
        "/tmp",
        *binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--bind",
        str(folder),
        INSIDE,
        "--chdir",
        INSIDE,
        *argv,
    ]


def limits(memory: int, *, file_size: int = 256 * 2**20, processes: int = 512) -> Callable[[], None]:
    """A function that sets the limits in a child process before it starts (``preexec_fn``).

    ``memory`` bounds each process's data (its heap and anonymous maps, where tensors live).
    The process limit counts all processes of the user, and Linux does not apply it to root.
    """

    def apply() -> None:
        os.setsid()
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))

    return apply
