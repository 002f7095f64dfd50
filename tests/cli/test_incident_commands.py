"""`deescalate incidents` and `deescalate summary` over real SQLite record files."""

from __future__ import annotations

import csv
import json
import sqlite3
import stat
import xml.etree.ElementTree as ET

import pytest

from deescalate.cli.main import main
from deescalate.core.events import (
    AgentActionEvent,
    EscalateEvent,
    Reason,
    SuggestionEvent,
    TensionEvent,
)
from deescalate.records.ops import CompleteIncident, OpenIncident, RecordEvent, StartCall, new_key
from deescalate.records.store import MIGRATIONS, RecordStore


def start_call(store: RecordStore, at: float, demo: bool = False) -> str:
    key = new_key()
    store.apply(StartCall(key, at, demo))
    return key


def open_incident(
    store: RecordStore, call_t: float, reason: str, behaviours, actions=(), call=None
):
    key = new_key()
    store.apply(OpenIncident(key, call, call_t, reason, tuple(behaviours), tuple(actions)))
    return key


@pytest.fixture
def records(tmp_path):
    """Two incidents, the first completed by its agent."""
    store = RecordStore(tmp_path / "records.sqlite")
    call = start_call(store, 1_700_000_000.0)
    first = open_incident(
        store, 42.0, 'threat "I will find you"', ["threat", "shouting"], ["Offer a break (b1)"]
    )
    store.apply(CompleteIncident(first, "ACC-7731", "transferred to a supervisor", "calmed after"))
    open_incident(store, 12.0, "abuse", ["insult: idiot"], call=call)
    practice = start_call(store, 1_700_000_100.0, demo=True)
    open_incident(store, 7.0, "threat", ["threat"], call=practice)
    return store


def test_list_shows_every_record_and_which_are_unfinished(records, capsys):
    assert main(["incidents", "list", "--records", str(records.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert "completed" in lines[1] and "I will find you" in lines[1]
    assert "to finish" in lines[2] and "abuse" in lines[2] and "demo" not in lines[2]
    assert lines[3].endswith("(demo call)")


def test_show_prints_the_agents_part_and_the_prefilled_part(records, capsys):
    assert main(["incidents", "show", "1", "--records", str(records.path)]) == 0
    out = capsys.readouterr().out
    assert "ACC-7731" in out and "transferred to a supervisor" in out
    assert "threat; shouting" in out and "Offer a break (b1)" in out


def test_show_of_an_unknown_id_says_how_to_find_the_ids(records, capsys):
    assert main(["incidents", "show", "99", "--records", str(records.path)]) == 2
    err = capsys.readouterr().err
    assert "no incident 99" in err.lower() and "incidents list" in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_records_file_is_named_and_not_created(tmp_path, capsys):
    missing = tmp_path / "nowhere.sqlite"
    assert main(["incidents", "list", "--records", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err
    assert not missing.exists()


def test_export_csv_and_json_hold_the_same_records(records, tmp_path):
    out_csv, out_json = tmp_path / "incidents.csv", tmp_path / "incidents.json"
    assert main(["incidents", "export", "--records", str(records.path), "--out", str(out_csv)]) == 0
    args = ["incidents", "export", "--format", "json", "--records", str(records.path)]
    assert main([*args, "--out", str(out_json)]) == 0
    rows = list(csv.DictReader(out_csv.open()))
    data = json.loads(out_json.read_text())
    assert [r["id"] for r in rows] == ["1", "2", "3"] and [d["id"] for d in data] == [1, 2, 3]
    assert [d["demo"] for d in data] == [False, False, True]
    assert rows[0]["customer_ref"] == data[0]["customer_ref"] == "ACC-7731"
    assert data[1]["completed"] is False and data[1]["call_id"] == 1


def test_export_to_a_path_that_cannot_be_written_says_so(records, tmp_path, capsys):
    out = tmp_path / "no-such-folder" / "incidents.csv"
    assert main(["incidents", "export", "--records", str(records.path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Cannot write" in err and "no-such-folder" in err


def test_a_records_file_from_the_previous_version_is_migrated_and_keeps_its_incidents(
    tmp_path, capsys
):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        old.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")
    old.execute(
        "INSERT INTO incidents (at, call_t, reason, behaviours, actions, outcome) "
        "VALUES (1700000000, 5, 'threat', '[\"threat\"]', '[\"supervisor alerted\"]', 'pending')"
    )
    old.commit()
    old.close()
    assert main(["incidents", "show", "1", "--records", str(path)]) == 0
    assert "pending" in capsys.readouterr().out
    store = RecordStore(path)
    [incident] = store.unfinished_incidents()
    assert incident["customer_ref"] == "" and incident["updated_at"] == 1700000000
    store.apply(CompleteIncident("legacy-1", "C-9", "other: moved", ""))
    assert store.unfinished_incidents() == []
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == len(MIGRATIONS)


def test_the_records_file_is_readable_by_its_owner_only(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    start_call(store, 1.0)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_notes_and_outcome_are_redacted_but_the_customer_reference_is_kept(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    row = open_incident(store, 3.0, "abuse", ['insult: "call 646 555 0199"'])
    store.apply(
        CompleteIncident(row, "4417-0022", "other: mailed jo@acme.io", "card 4012888888881881")
    )
    incident = store.get_incident(row)
    assert incident["customer_ref"] == "4417-0022"
    assert "acme.io" not in incident["outcome"] and "4012" not in incident["notes"]
    assert "555" not in incident["behaviours"][0]


def _call_with(store: RecordStore, started: float, events, demo: bool = False) -> None:
    call = start_call(store, started, demo)
    for event in events:
        store.apply(RecordEvent(call, event.t, event.type, event.to_dict(), started + event.t))


def heated(t, cue="insult"):
    return TensionEvent(t, 70.0, "heated", (Reason(cue, 30.0, "useless"),))


def test_summary_counts_cues_hours_and_which_suggestions_were_followed_by_calmer_calls(
    tmp_path, capsys
):
    store = RecordStore(tmp_path / "records.sqlite")
    at_ten = 1_700_000_000.0 - 1_700_000_000.0 % 86400 + 10 * 3600  # about 10:00, any zone
    shown = SuggestionEvent(11.0, "listening", "name_feeling", "Say what you hear.", "insult")
    other = SuggestionEvent(15.0, "calming", "slow_down", "Slow down.", "insult")
    _call_with(  # used at heated, tense 30 s later: it fell
        store,
        at_ten,
        [
            heated(10.0),
            shown,
            AgentActionEvent(12.0, "used", "name_feeling", "listening"),
            TensionEvent(42.0, 40.0, "tense", ()),
        ],
    )
    _call_with(  # used at heated, calmer only after two minutes: it did not fall in time
        store,
        at_ten + 600,
        [
            heated(5.0, "threat"),
            shown,
            other,
            AgentActionEvent(20.0, "used", "name_feeling", "listening"),
            EscalateEvent(30.0, "threat"),
            TensionEvent(150.0, 20.0, "calm", ()),
        ],
    )
    _call_with(  # a practice call: not counted
        store,
        at_ten + 900,
        [heated(2.0), shown, AgentActionEvent(3.0, "used", "name_feeling", "listening")],
        demo=True,
    )
    plot = tmp_path / "summary.svg"
    assert main(["summary", "--records", str(store.path), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("name_feeling"))
    assert line.split()[1:] == ["2", "2", "1", "of", "2"]
    line = next(x for x in out.splitlines() if x.strip().startswith("slow_down"))
    assert line.split()[1:] == ["1", "0", "-"]
    assert "2 calls recorded (1 demo call left out)" in out
    cues = {x.split()[0]: x.split()[1] for x in out.splitlines() if x.startswith("  insult")}
    assert cues == {"insult": "1"}
    svg = ET.parse(plot).getroot()
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert "name_feeling: fell 1" in titles and "slow_down: used 0" in titles
    assert sum(1 for t in titles if t.endswith(" 1 escalations")) == 1


def test_an_older_records_file_opened_by_several_threads_at_once_is_migrated_once(tmp_path):
    """The app's writer and reader (or the app and a command) may open an older file at the
    same moment: each must find it migrated, none may fail half-way."""
    import threading

    for trial in range(20):
        path = tmp_path / f"records-{trial}.sqlite"
        old = sqlite3.connect(path)
        old.execute("PRAGMA journal_mode=WAL")  # as every version has written it
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            old.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")
        old.close()
        errors: list[Exception] = []
        together = threading.Barrier(8)

        def open_it(path=path, errors=errors, together=together):
            together.wait()
            try:
                RecordStore(path).calls()
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
        assert version == len(MIGRATIONS)
