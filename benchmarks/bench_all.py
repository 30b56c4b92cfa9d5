"""Every row of issue 12's performance table, each against its bare baseline measured in
the same run, in one command that builds its own data; prints the table with the ratios
and the targets.

    .venv/bin/python benchmarks/bench_all.py [--runs 5] [--assessments 10000] [--json]

The rows come from the benchmarks that own them, each of which can also be run alone:

- bench_startup.py: window start to first paint (10,000 assessments, empty database),
  ``report ID``, ``--version`` and ``list --json``, against a bare PySide6 window, bare
  reportlab with the same text and ``python -c pass``;
- bench_rating.py: rate a statement and move on by keyboard (on disk), one rating
  written (CPU only, on tmpfs) and the ``responses`` import per row, against one sqlite3
  upsert and commit, the same on tmpfs, and the bundle import per assessment;
- the export of ``--assessments`` assessments and its import into a new database, as
  whole processes with their own peak memory (wait4's ru_maxrss): the target is a peak
  under 200 MB and time linear in the size, so it is measured at a fifth of the size too
  and the ratio of time per assessment is shown (1.0 is exactly linear).

Unset PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE first (the figures are of the app as
users run it). Medians of ``--runs`` runs; the machine this was written on is shared and
noisy, so only ratios from the same run mean anything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

MEMORY_TARGET_MIB = 200.0


@dataclass(frozen=True)
class Line:
    """One row of the printed table."""

    name: str
    now: str
    baseline: str
    ratio: str
    target: str
    met: bool | None


def _startup_lines(runs: int, assessments: int) -> list[Line]:
    import bench_startup

    lines = []
    for row in bench_startup.rows(runs, assessments):
        target = "-" if row.target is None else f"<= {row.target:g}x"
        lines.append(
            Line(
                row.name,
                f"{row.measured:.3f} s",
                f"{row.baseline_name} {row.baseline:.3f} s",
                f"{row.ratio:.1f}x",
                target,
                row.met,
            )
        )
    return lines


def _rating_lines(runs: int) -> list[Line]:
    import bench_rating

    return [
        Line(
            row.name,
            f"{row.measured * 1000:.3f} ms",
            f"{row.baseline * 1000:.3f} ms",
            f"{row.ratio:.2f}x",
            f"<= {row.target:g}x",
            row.met,
        )
        for row in bench_rating.rows(runs=runs)
    ]


def _exchange_lines(assessments: int) -> list[Line]:
    import bench_exchange

    main_py = [sys.executable, str(ROOT / "main.py")]
    figures: dict[int, dict[str, tuple[float, float]]] = {}
    sizes = sorted({max(assessments // 5, 100), assessments})
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
            folder = Path(tmp)
            os.environ["ICS_ASSESS_DATA_DIR"] = tmp
            source = folder / "source.sqlite"
            bench_exchange.build(source, size)
            bundle, log = folder / "bundle.zip", folder / "stderr.txt"
            rounds = ["--round", "Round 1", "--round", "Round 2"]
            command = [*main_py, "export", *rounds, "-o", str(bundle), "--db", str(source)]
            seconds, _cpu, peak, code = bench_exchange.child(command, log)
            if code:
                raise SystemExit(f"export of {size} failed: {log.read_text().strip()}")
            export = (seconds, peak)
            command = [*main_py, "import", str(bundle), "--db", str(folder / "new.sqlite")]
            seconds, _cpu, peak, code = bench_exchange.child(command, log)
            if code:
                raise SystemExit(f"import of {size} failed: {log.read_text().strip()}")
            figures[size] = {"export": export, "import": (seconds, peak)}
    small, big = sizes[0], sizes[-1]
    lines = []
    for step in ("export", "import"):
        seconds, peak = figures[big][step]
        small_seconds, _ = figures[small][step]
        linear = (seconds / big) / (small_seconds / small) if small != big else 1.0
        lines.append(
            Line(
                f"`{step}` of {big:,} assessments" + (" into a new database" * (step == "import")),
                f"{seconds:.1f} s, peak {peak:.0f} MiB",
                f"{small:,}: {small_seconds:.1f} s",
                f"{linear:.2f}x per assessment",
                f"linear, < {MEMORY_TARGET_MIB:.0f} MB",
                peak < MEMORY_TARGET_MIB,
            )
        )
    return lines


def table(lines: list[Line]) -> str:
    out = ["| what | now | baseline | ratio | target |", "|---|---|---|---|---|"]
    for line in lines:
        verdict = "" if line.met is None else (" ok" if line.met else " MISSED")
        out.append(
            f"| {line.name} | {line.now} | {line.baseline} | {line.ratio} | "
            f"{line.target}{verdict} |"
        )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    for name in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"):
        if os.environ.get(name):
            print(f"note: {name} is set; unset it for figures of the app as users run it")
    lines = [
        *_startup_lines(args.runs, args.assessments),
        *_rating_lines(args.runs),
        *_exchange_lines(args.assessments),
    ]
    if args.json:
        print(json.dumps([line.__dict__ for line in lines], indent=2))
    else:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        print(table(lines))
    return 0 if all(line.met is not False for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
