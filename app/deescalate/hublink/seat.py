"""What the seat keeps of its enrolment with the team hub: `hub-seat.json` in the user's data
folder, readable by its owner only (600), written whole or not at all.

It holds the hub's address, the seat's id and credential (the hub keeps only its hash), and
the version of the hub's phrasebook kept beside it in `hub-phrasebook.yaml`. Never the
enrolment token.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from deescalate.config.paths import private_folder

log = logging.getLogger(__name__)

SEAT_FILE = "hub-seat.json"
PHRASEBOOK_FILE = "hub-phrasebook.yaml"
CANDIDATE_FILE = "hub-phrasebook-new.yaml"
"""A phrasebook from the hub before it is checked; a rejected one stays here to be looked at."""


@dataclass(frozen=True)
class Seat:
    hub_url: str
    seat_id: str = ""
    credential: str = ""
    """Empty when the seat must enrol (again): never enrolled, or refused by the hub."""
    team: str = ""
    phrasebook_version: str = ""
    """The hub's phrasebook kept in `hub-phrasebook.yaml`; empty: none."""


def read_seat(path: Path) -> Seat | None:
    """The seat kept at `path`, or None when there is none or it can't be read (the seat
    then enrols again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(Seat)}
        return Seat(**{k: str(v) for k, v in data.items() if k in known})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        log.warning("%s can't be read (%s): this seat enrols with the team hub again", path, exc)
        return None


def write_seat(path: Path, seat: Seat) -> None:
    """Raises OSError when the folder can't be written."""
    write_private(path, json.dumps(asdict(seat), indent=2).encode("utf-8"))


def write_private(path: Path, data: bytes) -> None:
    """Writes `data` to `path`, mode 600 in a folder of mode 700, never half-written."""
    private_folder(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o600)  # whatever the umask
    tmp.replace(path)
