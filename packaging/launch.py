"""Entry point of the bundled app (PyInstaller): the same as the `deescalate` command."""

import multiprocessing
import sys

from deescalate.call.child_process import child_main, is_child_command_line
from deescalate.cli.main import main

if __name__ == "__main__":
    if is_child_command_line(sys.argv):  # a call's process: the app started itself
        child_main()
    # The device probe runs in a spawned child process; in a frozen app the child starts this
    # same program, and freeze_support() turns it into the child instead of a second app.
    multiprocessing.freeze_support()
    sys.exit(main())
