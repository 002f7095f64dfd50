"""A Python child process the app owns: a pipe each way, and a process group of its own.

Ctrl+C in a terminal signals the whole foreground process group. The app handles it and
ends its children itself, so a child lives in a group of its own: Ctrl+C never reaches it,
not even while its interpreter is still starting (a child that ignored SIGINT only once its
code ran would still print a KeyboardInterrupt traceback from its imports). The child also
ignores SIGINT, for a signal sent to it alone.

When its work is done the child leaves with `os._exit`, after flushing its output: a
normal interpreter exit would tear down native libraries (the resampler, the speech model)
while threads stuck in them still run, which prints "nanobind: leaked ..." or aborts with
"terminate called without an active exception".
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
"""Where this `deescalate` is: the child imports the same copy, wherever it came from."""
_BOOT = (
    f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); "
    "from deescalate.call.child_process import child_main; child_main()"
)
CHILD_FLAG = "--deescalate-child"
"""Marks a child's command line; a frozen app (which has no `-c`) starts itself with it and
hands over to `child_main` (see packaging/launch.py)."""


def is_child_command_line(argv: list[str]) -> bool:
    return CHILD_FLAG in argv[1:2]


def child_command(target: str, fds: tuple[int, int]) -> list[str]:
    program = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-c", _BOOT]
    return [*program, CHILD_FLAG, target, *map(str, fds)]


class ChildProcess:
    """`target` ("module:function") runs in the child as `function(*args, out, commands)`:
    `out` sends to the parent, `commands` receives from it."""

    def __init__(self, target: str, args: tuple = ()) -> None:
        self.target, self.args = target, args
        down_read, down_write = os.pipe()
        up_read, up_write = os.pipe()
        self.from_child = Connection(up_read, writable=False)
        self.to_child = Connection(down_write, readable=False)
        # The child's ends, open here until the child has its own copies.
        self.child_out = Connection(up_write, readable=False)
        self.child_in = Connection(down_read, writable=False)
        self._popen: subprocess.Popen | None = None

    def start(self) -> None:
        fds = (self.child_in.fileno(), self.child_out.fileno())
        try:
            self._popen = subprocess.Popen(
                child_command(self.target, fds),
                stdin=subprocess.DEVNULL,
                pass_fds=fds,
                process_group=0,
            )
        finally:
            # With ours closed, each pipe ends when the child does.
            self.child_out.close()
            self.child_in.close()
        self.to_child.send((sys.path, self.args))

    @property
    def started(self) -> bool:
        return self._popen is not None

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code (negative: the signal that ended it), or None if still running."""
        if self._popen is None:
            return None
        try:
            return self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def terminate(self) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.terminate()

    def kill(self) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.kill()


def child_main() -> None:
    """The child's side: ignore Ctrl+C, take the parent's import path and arguments, run the
    target, flush, and leave without tearing down native libraries."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    target, commands_fd, out_fd = sys.argv[sys.argv.index(CHILD_FLAG) + 1 :][:3]
    commands = Connection(int(commands_fd), writable=False)
    out = Connection(int(out_fd), readable=False)
    try:
        path, args = commands.recv()
    except (EOFError, OSError):  # the parent went away before the work began
        os._exit(1)
    sys.path[:] = path
    code = 0
    try:
        module, _, function = target.partition(":")
        getattr(importlib.import_module(module), function)(*args, out, commands)
    except BaseException:  # a bug: its traceback goes to stderr
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)
