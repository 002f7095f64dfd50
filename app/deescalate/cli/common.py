"""Command groups of the command line, one module each; `app.cli` only dispatches.

A group module has `register(subparsers, add_engine_options)`, which adds its subcommands
and sets `func(args, settings) -> int` on each. Anything the user can fix is raised as
`BadInput`: the command line prints its message on one line and exits with code 2.
"""

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(Exception):
    """Anything the user can fix: a file, a model, a device name, a setting."""
