"""`deescalate review CALLS... --out DIR`: a static HTML report per call and an index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deescalate.cli.common import EXIT_BAD_INPUT, EXIT_OK, BadInput, add_replay_options
from deescalate.config.settings import Settings

CALL_SUFFIXES = (".txt", ".jsonl", ".wav", ".flac")


def register(sub, _add_engine_options) -> None:
    review = sub.add_parser(
        "review", help="HTML report per call (timeline, suggestions, cues) and an index"
    )
    review.add_argument("calls", nargs="+", type=Path, help="transcripts, recordings or folders")
    review.add_argument("--out", type=Path, required=True, help="folder for the report")
    review.add_argument(
        "--compare",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="another phrasebook (base first, then overlays): show what fires differently",
    )
    review.add_argument(
        "--unredacted",
        action="store_true",
        help="keep phone and card numbers and e-mail addresses in the pages (keep them private)",
    )
    add_replay_options(review)
    review.set_defaults(func=cmd_review)


def find_calls(paths: list[Path]) -> list[Path]:
    calls: list[Path] = []
    for path in paths:
        if path.is_dir():
            calls += sorted(p for p in path.iterdir() if p.suffix.lower() in CALL_SUFFIXES)
        elif path.exists():
            calls.append(path)
        else:
            raise BadInput(f"{path}: no such file or folder.")
    if not calls:
        raise BadInput(f"No calls found: give transcripts ({', '.join(CALL_SUFFIXES)}) or folders.")
    return calls


def _label(paths: list[Path]) -> str:
    return " + ".join(p.name for p in paths)


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from deescalate.cli.replaying import Replayer, load_book, phrasebook_paths
    from deescalate.supervisor.review.privacy import redacted
    from deescalate.supervisor.review.report import CallReview, call_page, index_page

    private = (lambda record: record) if args.unredacted else redacted

    calls = find_calls(args.calls)
    books = phrasebook_paths(args, settings)
    replay = Replayer(load_book(books), settings, args)
    other = Replayer(load_book(args.compare), settings, args) if args.compare else None
    labels = (_label(books), _label(args.compare or []))
    _prepare(args.out)
    reviews = []
    for number, path in enumerate(tqdm(calls, desc="review", unit="call", file=sys.stderr)):
        review = CallReview(path, f"{number + 1:03d}-{path.stem}.html")
        try:
            review.record = private(replay(path))
            review.other = private(other(path)) if other else None
        except BadInput as exc:
            review.error = str(exc)
            reviews.append(review)
            continue
        _write(args.out / review.page, call_page(review, labels))
        reviews.append(review)
    _write(args.out / "index.html", index_page(reviews, labels, other is not None))
    failed = [r for r in reviews if r.error]
    for review in failed:
        print(f"not reviewed: {review.error}", file=sys.stderr)
    print(f"{len(reviews) - len(failed)} call(s) reviewed: {args.out / 'index.html'}")
    print(_privacy_note(args.unredacted), file=sys.stderr)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _privacy_note(unredacted: bool) -> str:
    what = (
        "NOT redacted: it holds numbers and addresses callers gave"
        if unredacted
        else ("redacted (phone and card numbers, e-mail addresses, digits)")
    )
    return f"The report is {what}; its files are readable by you only (mode 600)."


def _prepare(out: Path) -> None:
    from deescalate.supervisor.review.privacy import private_folder

    try:
        private_folder(out)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BadInput(
            f"Cannot write the report to {out} ({reason}): choose another --out."
        ) from exc


def _write(path: Path, html: str) -> None:
    from deescalate.supervisor.review.privacy import write_private

    try:
        write_private(path, html)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BadInput(
            f"Cannot write {path} ({reason}): free some space or choose another --out."
        ) from exc
