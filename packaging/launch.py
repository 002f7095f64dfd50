"""Entry point of the bundled app (PyInstaller): the same as the `deescalate` command."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
