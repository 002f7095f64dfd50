"""Review benchmark: how long `deescalate review` takes over a folder of 100 transcripts.

    .venv/bin/python tests/bench/bench_review.py [--calls 100] [--lines 40]

Each call is a two-speaker transcript of `--lines` customer lines (about 3-4 minutes of
call time), mixing calm lines with cues, so suggestions, escalations and highlighted
words all occur. Prints seconds for the review alone and with `--compare`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deescalate.cli.main import main  # noqa: E402
from tests.bench.corpus import AGENT_LINES, ENGLISH_CALL  # noqa: E402


def write_calls(folder: Path, calls: int, lines: int) -> None:
    rng = random.Random(7)
    for number in range(calls):
        t = 0.0
        rows = []
        for _ in range(lines):
            customer, _trigger = rng.choice(ENGLISH_CALL)
            rows.append(f"[{int(t // 60):02d}:{t % 60:04.1f}] customer: {customer}")
            t += 2.5 + len(customer.split()) / 2.5
            rows.append(f"[{int(t // 60):02d}:{t % 60:04.1f}] agent: {rng.choice(AGENT_LINES)}")
            t += 2.0 + rng.random() * 2
        (folder / f"call_{number:03d}.txt").write_text("\n".join(rows) + "\n")


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    code = main(args)
    assert code == 0, code
    return time.perf_counter() - started


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--lines", type=int, default=40)
    options = parser.parse_args()
    default = ROOT / "phrasebook" / "default.yaml"
    team = ROOT / "phrasebook" / "examples" / "team-billing.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        folder.mkdir()
        write_calls(folder, options.calls, options.lines)
        plain = timed(["review", str(folder), "--out", f"{tmp}/plain"])
        compare = timed(
            ["review", str(folder), "--compare", str(default), str(team), "--out", f"{tmp}/cmp"]
        )
        size = sum(p.stat().st_size for p in Path(tmp, "plain").iterdir()) / options.calls
    print(f"review of {options.calls} transcripts ({options.lines} customer lines each):")
    print(f"  plain:     {plain:.1f} s ({plain / options.calls * 1000:.0f} ms per call)")
    print(f"  --compare: {compare:.1f} s ({compare / options.calls * 1000:.0f} ms per call)")
    print(f"  report size: {size / 1024:.0f} KiB per call")


if __name__ == "__main__":
    run()
