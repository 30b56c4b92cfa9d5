"""How responsive the window stays on a big database; prints its figures.

    .venv/bin/python benchmarks/bench_gui.py [--assessments 10000]

Opens the main window offscreen on a database of N assessments and measures: how long
opening the database holds the GUI thread, how long until the assessment list has
loaded (in the background), and the longest the event loop went without running while
it loaded (a timer ticks every 10 ms; a long gap is a frozen window).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_core import build  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


class Dialogs:
    """Answers nothing: the benchmark asks no questions."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ICS_ASSESS_DATA_DIR"] = tmp
        path = Path(tmp) / "bench.sqlite"
        build(path, args.assessments)
        app = QApplication([])
        from ics_assess.ui.main_window import MainWindow

        window = MainWindow(dialogs=Dialogs())
        window.resize(1024, 700)
        window.show()

        gaps: list[float] = []
        clock = QElapsedTimer()
        ticker = QTimer()
        ticker.setInterval(10)
        ticker.timeout.connect(lambda: (gaps.append(clock.restart()), None))

        start = time.perf_counter()
        window.open_initial_database(path)  # on the GUI thread, by design
        opened = time.perf_counter() - start
        clock.start()
        ticker.start()
        while window.home.model.rowCount() < args.assessments:
            app.processEvents()
            if time.perf_counter() - start > 60:
                raise SystemExit("the list did not load within a minute")
        loaded = time.perf_counter() - start
        for _ in range(20):
            app.processEvents()
        ticker.stop()
        window.close()
        print(f"{args.assessments:,} assessments")
        print(f"open the database (GUI thread held): {opened * 1000:.0f} ms")
        print(f"list loaded in the background after: {loaded * 1000:.0f} ms")
        worst = max(gaps) if gaps else 0
        print(f"longest event-loop gap while loading: {worst:.0f} ms ({len(gaps)} ticks)")


if __name__ == "__main__":
    main()
