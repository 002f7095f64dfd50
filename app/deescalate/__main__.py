"""`python -m deescalate`, and the `deescalate` command."""

EXIT_INTERRUPTED = 130


def run() -> int:
    """Ctrl+C while the program is still loading (importing, reading its command line)
    ends it as quietly as later on, when the commands handle it themselves."""
    try:
        from deescalate.cli.main import main

        return main()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(run())
