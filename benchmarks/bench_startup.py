"""How fast the app starts, reports and answers the command line, each against a bare
baseline measured in the same run (issue 12); prints the table.

    .venv/bin/python benchmarks/bench_startup.py [--runs 5] [--assessments 10000]

Every figure is the median of ``--runs`` whole processes, each run of a row alternating
with a run of its baseline so that both see the same machine (this one is shared and
noisy). The data is built first, in a temporary folder: a database of ``--assessments``
assessments written in bulk (bench_core.build), the demo partnership and an empty
database. Rows:

- window start to first paint: from starting the process to the main window's first
  paint (offscreen), on 10,000 assessments and on an empty database, against a bare
  PySide6 QMainWindow of the same size. The window shows itself at once ("Opening the
  database…") and then fills in: the time until the list has all its rows, and the
  longest the event loop went without running from the first paint until then, are
  shown too (no target of their own).
- ``report ID``: the one-assessment report of the demo (8 pages) as ``main.py report``,
  against a bare reportlab program laying out the same text (read back from the report
  with pypdf) in the same body font, DejaVu Sans and its bold, page for page.
- ``--version`` and ``list --json`` on the demo, against ``python -c pass``.
- ``check`` on 10,000 assessments, against a bare sqlite3 program running the same
  integrity and foreign-key checks (no target of its own).

``rows()`` returns the rows for a script that prints every benchmark's table.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"
FONTS = ROOT / "resources" / "fonts"


@dataclass(frozen=True)
class Row:
    """One measurement against its baseline: medians in seconds; ``target`` is the
    highest ratio allowed (None: shown for context, no target)."""

    name: str
    measured: float
    baseline: float
    baseline_name: str
    target: float | None

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.ratio <= self.target


# --- whole processes --------------------------------------------------------------------


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a measured process: no unbuffered output and .pyc files
    written, as a user's; offscreen Qt; its own data directory."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ICS_ASSESS_DATA_DIR": str(data_dir)}
    for name in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "ICS_ASSESS_DB"):
        env.pop(name, None)
    env.update(extra)
    return env


def run_process(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one whole process; fails loudly."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.strip()[-2000:]}")
    return elapsed


def alternate(
    measured: Callable[[], float], baseline: Callable[[], float], runs: int
) -> tuple[float, float]:
    """Medians of ``runs`` runs of each, one after the other, after a run of each that is
    not counted (files cached, .pyc written, a daily backup made)."""
    measured()
    baseline()
    ours, bare = [], []
    for _ in range(runs):
        ours.append(measured())
        bare.append(baseline())
    return statistics.median(ours), statistics.median(bare)


# --- the window ---------------------------------------------------------------------------

# Run as ``python -c PROBE app|bare [ROWS]``: prints "painted T" at the main window's
# first paint event (T: time.monotonic(), the same clock in every process on Linux), then
# for ``app ROWS`` "listed T STALL" once the assessment list has ROWS rows: STALL is the
# longest the event loop went without running (ms) from the paint until the list was
# full, the list's own arrival included (the tick after it); then ends at once.
PROBE = r"""
import os, sys, time
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

mode, rows = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
app = QApplication(sys.argv[:1])
state = {}


def tick():
    state["gaps"].append(state["clock"].restart())
    if "listed" in state:
        print("listed", state["listed"], max(state["gaps"]), flush=True)
        os._exit(0)


def listed():
    home = getattr(state["window"], "home", None)
    if "listed" not in state and home is not None and home.model.rowCount() >= rows:
        state["listed"] = time.monotonic()


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "window" not in state:
            state["window"] = watched
            print("painted", time.monotonic(), flush=True)
            if not rows:
                QTimer.singleShot(0, lambda: os._exit(0))
                return False
            state.update(clock=QElapsedTimer(), gaps=[])
            state["clock"].start()
            for interval, slot in ((10, tick), (5, listed)):
                timer = QTimer(watched)
                timer.timeout.connect(slot)
                timer.start(interval)
        return False


watcher = FirstPaint()
if mode == "bare":
    window = QMainWindow()
    window.resize(1024, 700)
    window.installEventFilter(watcher)
    window.show()
    app.exec()
else:
    sys.path.insert(0, os.getcwd())
    from ics_assess.ui import main_window
    from ics_assess.ui.app import run_gui

    show = main_window.MainWindow.show

    def watched_show(self):
        self.installEventFilter(watcher)
        show(self)

    main_window.MainWindow.show = watched_show
    run_gui()
"""


@dataclass(frozen=True)
class WindowRun:
    painted: float  # seconds from starting the process
    listed: float | None = None  # seconds from starting the process
    stall_ms: float | None = None  # the longest the event loop waited until then


def run_window(mode: str, env: dict[str, str], rows: int = 0) -> WindowRun:
    """One window process (the app, or a bare QMainWindow): when it first painted, and
    when its list was full, counted from starting it."""
    argv = [sys.executable, "-c", PROBE, mode, str(rows)]
    start = time.monotonic()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        child.kill()
        raise SystemExit(f"the {mode} window did not paint (and list) within 2 minutes") from None
    said = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    if child.returncode != 0 or "painted" not in said or (rows and "listed" not in said):
        raise SystemExit(f"the {mode} window ended with {child.returncode}: {out!r}")
    painted = float(said["painted"][0]) - start
    if not rows:
        return WindowRun(painted)
    listed, stall = said["listed"]
    return WindowRun(painted, float(listed) - start, float(stall))


def median_ms(values) -> str:
    return f"{statistics.median(values):.0f} ms"


def window_rows(big: Path, empty: Path, folder: Path, runs: int, n: int) -> list[Row]:
    bare_env = child_env(folder / "data-bare")

    def app(db: Path, rows: int):
        env = child_env(folder / f"data-{db.stem}", ICS_ASSESS_DB=str(db))
        return lambda: run_window("app", env, rows)

    # Not counted: a run of each first (files cached, .pyc written, the daily backup made).
    run_window("bare", bare_env)
    app(big, n)()
    app(empty, 0)()
    big_runs, empty_runs, bare = [], [], []
    for _ in range(runs):
        big_runs.append(app(big, n)())
        bare.append(run_window("bare", bare_env))
        empty_runs.append(app(empty, 0)())
        bare.append(run_window("bare", bare_env))
    bare_paint = statistics.median(r.painted for r in bare)
    name = "bare PySide6 window"
    label = f"{n:,} assessments"
    return [
        Row(
            f"window start to first paint, {label}",
            statistics.median(r.painted for r in big_runs),
            bare_paint,
            name,
            2.0,
        ),
        Row(
            "window start to first paint, empty database",
            statistics.median(r.painted for r in empty_runs),
            bare_paint,
            name,
            1.5,
        ),
        Row(
            f"window start to the list filled in, {label} (the longest the window did "
            f"not answer after its first paint: {median_ms(r.stall_ms for r in big_runs)})",
            statistics.median(r.listed for r in big_runs),
            bare_paint,
            name,
            None,
        ),
    ]


# --- the report -------------------------------------------------------------------------

# Run as ``python -c BARE_REPORT PAGES.json OUT.pdf FONTS``: lays out the text of each
# page as paragraphs in DejaVu Sans (bold for each page's first line), page for page.
BARE_REPORT = r"""
import json, sys
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate
from xml.sax.saxutils import escape

pages = json.loads(open(sys.argv[1], encoding="utf-8").read())
fonts = sys.argv[3]
pdfmetrics.registerFont(TTFont("Body", fonts + "/DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("Body-Bold", fonts + "/DejaVuSans-Bold.ttf"))
body = ParagraphStyle("body", fontName="Body", fontSize=8, leading=10)
head = ParagraphStyle("head", fontName="Body-Bold", fontSize=12, leading=15)
story = []
for number, lines in enumerate(pages):
    if number:
        story.append(PageBreak())
    for i, line in enumerate(lines):
        story.append(Paragraph(escape(line), head if i == 0 else body))
SimpleDocTemplate(sys.argv[2]).build(story)
"""


def report_rows(demo: Path, folder: Path, runs: int) -> list[Row]:
    from pypdf import PdfReader

    env = child_env(folder / "data-report")
    listed = subprocess.run(
        [sys.executable, str(MAIN), "--db", str(demo), "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    council = next(
        row
        for row in json.loads(listed.stdout)
        if row["organisation"] == "Westmoor City Council"
        and row["questionnaire_id"] == "governance"
        and row["round"].startswith("Six-month")
    )
    ours = folder / "report.pdf"
    command = [sys.executable, str(MAIN), "--db", str(demo), "report", council["id"], "-o"]
    run_process([*command, str(ours)], env)
    pages = [
        [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        for page in PdfReader(str(ours)).pages
    ]
    text = folder / "report-pages.json"
    text.write_text(json.dumps(pages), encoding="utf-8")
    bare = [sys.executable, "-c", BARE_REPORT, str(text), str(folder / "bare.pdf"), str(FONTS)]
    measured, baseline = alternate(
        lambda: run_process([*command, str(ours)], env), lambda: run_process(bare, env), runs
    )
    return [
        Row(
            f"`report ID` ({len(pages)} pages)",
            measured,
            baseline,
            "bare reportlab, same text",
            1.5,
        )
    ]


# --- the command line ---------------------------------------------------------------------


def cli_rows(demo: Path, big: Path, folder: Path, runs: int, n: int) -> list[Row]:
    env = child_env(folder / "data-cli")
    nothing = [sys.executable, "-c", "pass"]

    def pair(args: list[str], baseline: list[str] = nothing) -> tuple[float, float]:
        return alternate(
            lambda: run_process([sys.executable, str(MAIN), *args], env),
            lambda: run_process(baseline, env),
            runs,
        )

    rows = []
    for name, args in (
        ("`--version`", ["--version"]),
        ("`list --json` on the demo", ["--db", str(demo), "list", "--json"]),
    ):
        measured, baseline = pair(args)
        rows.append(Row(name, measured, baseline, "python -c pass", 3.0))
    bare_check = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute('PRAGMA integrity_check').fetchall(); "
        "c.execute('PRAGMA foreign_key_check').fetchall()"
    )
    measured, baseline = pair(
        ["--db", str(big), "check"], [sys.executable, "-c", bare_check, str(big)]
    )
    rows.append(
        Row(
            f"`check`, {n:,} assessments",
            measured,
            baseline,
            "sqlite3 integrity + foreign key check",
            None,
        )
    )
    return rows


# --- all of it --------------------------------------------------------------------------


def build_data(folder: Path, n: int) -> tuple[Path, Path, Path]:
    """The databases the rows run on: n assessments, the demo, and an empty one."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    from bench_core import build

    from ics_assess.services import Services

    os.environ["ICS_ASSESS_DATA_DIR"] = str(folder / "data-build")
    big = folder / "assessments.sqlite"
    build(big, n)
    demo = folder / "demo.sqlite"
    run_process([sys.executable, str(MAIN), "--db", str(demo), "demo"], child_env(folder))
    empty = folder / "empty.sqlite"
    Services.open(empty, [ROOT / "forms"]).close()
    return big, demo, empty


GROUPS = ("window", "report", "cli")


def rows(runs: int = 5, assessments: int = 10_000, only: tuple[str, ...] = GROUPS) -> list[Row]:
    """Build the data, measure every row (of the groups ``only``) against its baseline,
    and return the rows."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        folder = Path(tmp)
        big, demo, empty = build_data(folder, assessments)
        measured = []
        if "window" in only:
            measured += window_rows(big, empty, folder, runs, assessments)
        if "report" in only:
            measured += report_rows(demo, folder, runs)
        if "cli" in only:
            measured += cli_rows(demo, big, folder, runs, assessments)
        return measured


def table(measured: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| what | now | baseline | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for row in measured:
        target = "-" if row.target is None else f"<= {row.target:g}x"
        verdict = "" if row.met is None else (" ok" if row.met else " MISSED")
        lines.append(
            f"| {row.name} | {row.measured:.3f} s | {row.baseline_name} {row.baseline:.3f} s "
            f"| {row.ratio:.1f}x | {target}{verdict} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument(
        "--only", choices=GROUPS, action="append", help="measure only these rows (repeatable)"
    )
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")
    print(table(rows(args.runs, args.assessments, tuple(args.only or GROUPS))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
