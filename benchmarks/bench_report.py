"""Benchmark the PDF reports as a user meets them: a whole `python main.py report` process.

    .venv/bin/python benchmarks/bench_report.py [--runs 5]

Target (issue: scored PDF report): a one-assessment report takes well under a second as a
whole process, start-up, imports, fonts and writing the file included. The figures are
medians of ``--runs`` runs, because this machine is shared and noisy; beside them are
`main.py --version` (Python start-up alone) and `main.py list` (start-up plus the database),
to show where the time goes. No test depends on these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds one `main.py ARGS` process takes, and its stdout; fails loudly."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(MAIN), *args], capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"main.py {' '.join(args)} failed: {result.stderr.strip()}")
    return elapsed, result.stdout


def timed(label: str, args: list[str], env: dict[str, str], runs: int) -> float:
    """Run ``args`` ``runs`` times; print and return the median."""
    results = [run(args, env) for _ in range(runs)]
    times = [seconds for seconds, _ in results]
    median = statistics.median(times)
    print(
        f"{label:<40} median {median:6.3f} s   min {min(times):6.3f} s   "
        f"max {max(times):6.3f} s   ({runs} runs)"
    )
    said = results[-1][1].strip().splitlines()
    if said:
        print(f"    {said[-1]}")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "demo.sqlite"
        env = {**os.environ, "ICS_ASSESS_DATA_DIR": str(folder / "data")}
        env.pop("ICS_ASSESS_DB", None)
        run(["--db", str(db), "demo"], env)
        listed = json.loads(run(["--db", str(db), "list", "--json"], env)[1])
        council = next(
            row
            for row in listed
            if row["organisation"] == "Westmoor City Council"
            and row["questionnaire_id"] == "governance"
            and row["round"].startswith("Six-month")
        )
        one = folder / "assessment.pdf"
        whole = folder / "organisation.pdf"
        base = ["--db", str(db)]
        print(f"Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")
        timed("main.py --version (start-up only)", ["--version"], env, args.runs)
        timed("main.py list (start-up + database)", [*base, "list"], env, args.runs)
        timed(
            "main.py report ID (one assessment)",
            [*base, "report", council["id"], "-o", str(one)],
            env,
            args.runs,
        )
        timed(
            "main.py report --organisation --round",
            [
                *base,
                *("report", "--organisation", council["organisation_id"]),
                *("--round", council["round_id"], "-o", str(whole)),
            ],
            env,
            args.runs,
        )
        for path in (one, whole):
            print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
