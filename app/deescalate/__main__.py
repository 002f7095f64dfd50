"""`python -m deescalate`, and the `deescalate` command."""

EXIT_INTERRUPTED = 130


def run() -> int:
    """Ctrl+C while the program is still loading ends it as quietly as later on."""
    try:
        from deescalate.cli.main import main
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
