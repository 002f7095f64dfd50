"""Call sources for session and window tests, chosen by module-level functions so a call's
child process can import them."""

from __future__ import annotations

from pathlib import Path


def recording_as_live_line(spec):
    """The spec's recording played as a live line (calls start on customer speech and end
    on silence), as fast as recognition takes it."""
    from deescalate.audio.file_source import FileSource

    return [FileSource(Path(spec.recording), realtime=False)], True, ""
