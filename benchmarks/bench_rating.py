"""Benchmark writing answers against bare baselines, and print the table (issue 12).

    .venv/bin/python benchmarks/bench_rating.py [--runs 5] [--rows 1000] [--json]

Three rows of issue 12's table, each measured beside its baseline in the same run:

- **rate a statement and move on (keyboard path), on disk**: the walk-through page
  (offscreen) on a database on disk; one keystroke "3" on the focused statement, timed
  until its handler returns: the rating committed (with the next statement as the place
  to resume) and the next statement focused. Also shown, not counted: the part of it
  spent in storage (``Services.answer``/``set_position``), and Qt's painting of the
  window after it. Baseline: one sqlite3 upsert of an answer row and its commit, on a
  file in the same folder, in WAL mode with ``synchronous=FULL`` (what every
  acknowledged answer needs).
- **one rating written, CPU only (tmpfs)**: ``Services.answer`` on a database in
  /dev/shm, where a commit costs no disk wait. Baseline: the same bare upsert and commit
  in /dev/shm.
- **``responses`` import, per row of 25 statements**: what ``ics-assess responses FILE
  --organisation-column COL`` does, in-process (read the CSV, suggest the mapping,
  import with its backup), divided by the rows. Baseline: a bundle import (read, plan,
  import with its backup) into an empty database, divided by its assessments.

Each row runs in a child process of its own, with PYTHONUNBUFFERED and
PYTHONDONTWRITEBYTECODE unset (as a user's would run), and alternates measured and
baseline within each run, so both see the same machine. A run's figure is the median of
its operations; the table shows the median of ``--runs`` runs.

``rows()`` returns the table for a script that measures every row of the issue at once:

    from bench_rating import rows
    for row in rows(runs=5):
        print(row.name, row.measured, row.baseline, row.ratio, row.target)

The machine is shared and noisy; no test depends on these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "forms"
SHM = Path("/dev/shm")
KEYSTROKES = 24  # the governance questionnaire has 25 statements: 24 moves


@dataclass(frozen=True)
class Row:
    """One row of the table: the figures are seconds (medians); ``target`` is the
    largest ratio of measured to baseline that the issue accepts."""

    name: str
    measured: float
    baseline: float
    target: float
    # Further figures (seconds, medians) that explain the row but are not in its ratio.
    notes: tuple[tuple[str, float], ...] = ()

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.target

    def as_json(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


# --- the bare baseline ------------------------------------------------------------------

BARE_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    assessment_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    rating INTEGER,
    unrated TEXT,
    target INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, item_id)
) STRICT, WITHOUT ROWID
"""
BARE_UPSERT = (
    "INSERT INTO answers (assessment_id, item_id, rating, updated_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (assessment_id, item_id) DO UPDATE SET rating = excluded.rating, "
    "updated_at = excluded.updated_at"
)


class Bare:
    """One sqlite3 connection doing the least a durable answer needs: one upsert, one
    commit, in WAL mode with synchronous=FULL."""

    def __init__(self, folder: Path):
        self.conn = sqlite3.connect(folder / "bare.sqlite")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute(BARE_SCHEMA)
        self.conn.commit()
        self.n = 0

    def write(self) -> None:
        # A new value each time: SQLite writes nothing for a row rewritten unchanged.
        self.n += 1
        row = ("a", f"item-{self.n % 25}", self.n // 25 % 5 + 1, f"{time.time():.6f}")
        self.conn.execute(BARE_UPSERT, row)
        self.conn.commit()

    def times(self, count: int) -> list[float]:
        out = []
        for _ in range(count):
            start = time.perf_counter()
            self.write()
            out.append(time.perf_counter() - start)
        return out

    def close(self) -> None:
        self.conn.close()


def _partnership(services) -> tuple[str, str]:
    p = services.add_partnership("Benchmark partnership")
    rnd = services.add_round(p.id, "Round 1")
    org = services.add_organisation(p.id, "Benchmark County Council", "upper_tier_council")
    return rnd.id, org.id


def _start(services, round_id: str, org_id: str):
    return services.start_assessment(
        round_id=round_id, organisation_id=org_id, questionnaire_id="governance", kind="individual"
    )


# --- the parts, each run in a child process ---------------------------------------------


def part_keyboard(runs: int, folder: Path) -> dict:
    """Keystroke "3" in the walk-through (rate and move on) against a bare upsert+commit,
    both on a database in ``folder`` (on disk). The keystroke is timed until its handler
    returns (the rating committed, the next statement focused); also kept: the time in
    storage within it, and the painting Qt does after it (not in the row)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ics_assess.services import Services
    from ics_assess.ui.walkthrough import WalkthroughPage

    class Dialogs:
        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    app = QApplication.instance() or QApplication([])
    figures: dict[str, list[float]] = {k: [] for k in ("measured", "baseline", "storage", "paint")}
    with Services.open(folder / "keyboard.sqlite", [FORMS]) as services:
        round_id, org_id = _partnership(services)
        in_storage: list[float] = []
        for name in ("answer", "set_position"):  # what the page asks of storage
            call = getattr(services, name)

            def timed(*args, _call=call, **kwargs):
                start = time.perf_counter()
                try:
                    return _call(*args, **kwargs)
                finally:
                    in_storage.append(time.perf_counter() - start)

            setattr(services, name, timed)
        page = WalkthroughPage(services, Dialogs())
        page.resize(1024, 700)
        page.show()
        page.activateWindow()
        app.processEvents()
        bare = Bare(folder)
        for run in range(runs + 1):  # the first run warms up and is not counted
            a = _start(services, round_id, org_id)
            page.open_assessment(a.id)
            app.processEvents()
            handler, paint, storage, bare_times = [], [], [], []
            for _ in range(KEYSTROKES):
                bare_times.extend(bare.times(1))  # one each, so both see the same disk
                widget = QApplication.focusWidget() or page.focusWidget()
                in_storage.clear()
                start = time.perf_counter()
                QTest.keyClick(widget, Qt.Key.Key_3)
                handled = time.perf_counter()
                app.processEvents()
                paint.append(time.perf_counter() - handled)
                handler.append(handled - start)
                storage.append(sum(in_storage))
            stored = services.store.answers(a.id)
            if sum(1 for x in stored.values() if x.rating == 3) != KEYSTROKES:
                raise SystemExit("the keystrokes did not store a rating each")
            if run:
                figures["measured"].append(statistics.median(handler))
                figures["baseline"].append(statistics.median(bare_times))
                figures["storage"].append(statistics.median(storage))
                figures["paint"].append(statistics.median(paint))
        bare.close()
        page.close()
    return figures


def part_cpu(runs: int, folder: Path, writes: int = 200) -> dict:
    """``Services.answer`` against a bare upsert+commit, both in ``folder`` (tmpfs). Also
    kept: the store's own six statements of an answer (store.SQL_*) run bare on the same
    connection, the least this design of an answer (the answer, its change-log entry,
    the assessment's updated_at and place) can cost."""
    from ics_assess.services import Services
    from ics_assess.store import store as sql

    measured, baseline, floor = [], [], []
    with Services.open(folder / "cpu.sqlite", [FORMS]) as services:
        round_id, org_id = _partnership(services)
        conn = services.store.db.conn
        bare = Bare(folder)
        for run in range(runs + 1):
            a = _start(services, round_id, org_id)
            items = [i.id for i in services.questionnaire_of(a).items]
            times, bare_times, sql_times = [], [], []
            for n in range(writes):
                bare_times.extend(bare.times(1))  # one each, so both see the same machine
                item, rating = items[n % len(items)], n // len(items) % 5 + 1
                start = time.perf_counter()
                services.answer(a.id, item, rating)
                times.append(time.perf_counter() - start)
                stamp = f"{time.time():.6f}"
                start = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(sql.SQL_TOUCH, (stamp, item, a.id, None, None))
                conn.execute(sql.SQL_ANSWER_OLD, (a.id, item)).fetchone()
                row = (a.id, item, 6 - rating, None, None, "", "", stamp)
                conn.execute(sql.SQL_ANSWER_PUT, row)
                log = (stamp, "", a.id, item, "rating", str(rating), str(6 - rating))
                conn.execute(sql.SQL_LOG, log)
                conn.execute("COMMIT")
                sql_times.append(time.perf_counter() - start)
            if run:
                measured.append(statistics.median(times))
                baseline.append(statistics.median(bare_times))
                floor.append(statistics.median(sql_times))
        bare.close()
    return {"measured": measured, "baseline": baseline, "sql": floor}


def part_responses(runs: int, folder: Path, rows: int) -> dict:
    """Per row of a responses import against per assessment of a bundle import."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_exchange import build
    from bench_import_lock import responses_round

    from ics_assess.services import Services

    measured, baseline = [], []
    for run in range(runs):
        work = Path(tempfile.mkdtemp(dir=folder, prefix=f"run{run}-"))
        os.environ["ICS_ASSESS_DATA_DIR"] = str(work)
        # responses: a CSV of `rows` rows into a round of 60 organisations, as the CLI does
        with Services.open(work / "responses.sqlite", [FORMS]) as services:
            sheet_path = work / "responses.csv"
            rnd = responses_round(services, sheet_path, rows)
            services.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            start = time.perf_counter()
            sheet = Services.read_responses(sheet_path)
            mapping = services.suggest_response_mapping(sheet, "governance")
            mapping.organisation = "Your organisation"
            result = services.import_responses(sheet, mapping, rnd.id)
            seconds = time.perf_counter() - start
            if len(result.created) != rows:
                raise SystemExit(f"the responses import made {len(result.created)} of {rows}")
        measured.append(seconds / rows)
        # bundle: as many assessments, exported, then imported into an empty database
        source = work / "source.sqlite"
        ids = build(source, rows)
        bundle = work / "bundle.zip"
        with Services.open(source, [FORMS]) as services:
            services.export_assessments(ids, bundle)
        with Services.open(work / "target.sqlite", [FORMS]) as services:
            start = time.perf_counter()
            plan = services.plan_import(Services.read_bundle(bundle))
            services.apply_import(plan)
            seconds = time.perf_counter() - start
            if services.store.counts()["assessments"] != rows:
                raise SystemExit("the bundle import did not make every assessment")
        baseline.append(seconds / rows)
    return {"measured": measured, "baseline": baseline}


# --- running the parts and the table ----------------------------------------------------


def _clean_env() -> dict[str, str]:
    drop = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _child(part: str, runs: int, rows: int) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--part", part]
    command += ["--runs", str(runs), "--rows", str(rows)]
    done = subprocess.run(command, env=_clean_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench_rating --part {part} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def _on_tmpfs(path: Path) -> bool:
    """True when ``path`` is on a RAM file system (Linux's /proc/mounts says)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    best, kind = "", ""
    resolved = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) > 2 and resolved.startswith(fields[1]) and len(fields[1]) > len(best):
            best, kind = fields[1], fields[2]
    return kind in {"tmpfs", "ramfs"}


NOTES = {
    "storage": "of which in storage (Services.answer / set_position)",
    "paint": "Qt's painting of the window after the keystroke, not counted",
    "sql": "the store's six statements run bare on the same file (no Python of ours), not counted",
}
PARTS: dict[str, tuple[str, float]] = {
    "keyboard": ("rate a statement and move on (keyboard path), on disk", 1.2),
    "cpu": ("one rating written, CPU only (tmpfs)", 3.0),
    "responses": ("`responses` import, per row of 25 statements", 1.5),
}


def rows(*, runs: int = 5, size: int = 1000, parts: tuple[str, ...] = tuple(PARTS)) -> list[Row]:
    """Measure the rows (each in a child process) and return them in the table's order;
    ``size`` is the rows of the responses file and the assessments of the bundle."""
    table = []
    for part in parts:
        name, target = PARTS[part]
        figures = _child(part, runs, size)
        notes = tuple(
            (NOTES[key], statistics.median(values))
            for key, values in figures.items()
            if key in NOTES
        )
        table.append(
            Row(
                name,
                statistics.median(figures["measured"]),
                statistics.median(figures["baseline"]),
                target,
                notes,
            )
        )
    return table


def print_table(table: list[Row], out: Callable[[str], object] = print) -> None:
    out("| what | now | baseline | ratio | target |")
    out("|---|---|---|---|---|")
    for row in table:
        mark = "" if row.met else "  (not met)"
        out(
            f"| {row.name} | {row.measured * 1000:.3f} ms | {row.baseline * 1000:.3f} ms | "
            f"{row.ratio:.2f}x | <= {row.target:g}x{mark} |"
        )
    for row in table:
        for text, seconds in row.notes:
            out(f"- {row.name}: {text}: {seconds * 1000:.3f} ms")


def _run_part(part: str, runs: int, size: int) -> dict:
    if part == "cpu":
        if not SHM.is_dir():
            raise SystemExit("/dev/shm is needed for the CPU-only row")
        with tempfile.TemporaryDirectory(dir=SHM) as tmp:
            os.environ["ICS_ASSESS_DATA_DIR"] = tmp
            return part_cpu(runs, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        if _on_tmpfs(Path(tmp)):
            print(f"note: {tmp} is on tmpfs; set TMPDIR to a folder on disk", file=sys.stderr)
        os.environ["ICS_ASSESS_DATA_DIR"] = tmp
        if part == "keyboard":
            return part_keyboard(runs, Path(tmp))
        return part_responses(runs, Path(tmp), size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per row (median; >= 5)")
    parser.add_argument(
        "--rows", type=int, default=1000, help="rows of the responses file (and assessments)"
    )
    parser.add_argument("--only", choices=tuple(PARTS), action="append", help="measure one row")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--part", choices=tuple(PARTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        sys.path.insert(0, str(ROOT))
        random.seed(1)
        print(json.dumps(_run_part(args.part, args.runs, args.rows)))
        return 0
    table = rows(runs=args.runs, size=args.rows, parts=tuple(args.only or PARTS))
    if args.json:
        print(json.dumps([row.as_json() for row in table], indent=2))
    else:
        print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
