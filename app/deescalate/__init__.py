"""Deescalate: a real-time de-escalation assistant for call-center agents."""

from importlib import metadata


def app_version() -> str:
    """The installed package's version (pyproject.toml is the one place it is set)."""
    try:
        return metadata.version("deescalate")
    except metadata.PackageNotFoundError:
        return "unknown (not installed: run `pip install .`)"
