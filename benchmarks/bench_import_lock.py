"""Benchmark how long an import holds the database's write lock, and print the figures.

    .venv/bin/python benchmarks/bench_import_lock.py [--rows 2000] [--assessments 1000]

Issue 8 ("never dropping an answer because someone else is writing"): while an import
runs, the window's autosave must not be refused. What matters is the longest stretch
during which another writer cannot get the write lock at all. A probe in a separate
process (so it never waits for this one's GIL) tries ``BEGIN IMMEDIATE`` with no busy
wait every 2 ms against the same file and reports the longest run of refusals: that is
the longest time the import held the lock, to within a few milliseconds.

Two imports are measured, each into a database of its own:

- ``responses``: a 2,000-row CSV of an online form, 25 statements (the governance
  questionnaire) a row, imported into a round of 60 organisations (as
  ``ics-assess responses FILE --questionnaire governance --round R
  --organisation-column COL``, in-process);
- ``bundle``: a 1,000-assessment exchange bundle (built as benchmarks/bench_exchange.py
  builds it) imported into an empty database.

The machine is shared and noisy; no test depends on these figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_exchange import build  # noqa: E402

from ics_assess.domain import PartnerType  # noqa: E402
from ics_assess.services import Services  # noqa: E402

PROBE = r"""
import json, sqlite3, sys, time
from pathlib import Path
db, stop = sys.argv[1], Path(sys.argv[2])
conn = sqlite3.connect(db, timeout=0, isolation_level=None)
longest = refused = tries = 0
since = None
while not stop.exists():
    tries += 1
    t = time.perf_counter()
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        if since is not None:
            longest = max(longest, t - since)
            since = None
    except sqlite3.OperationalError:
        refused += 1
        if since is None:
            since = t
    time.sleep(0.002)
if since is not None:
    longest = max(longest, time.perf_counter() - since)
print(json.dumps({"longest": longest, "refused": refused, "tries": tries}))
"""


class Probe:
    """A second writer in another process, trying for the write lock every 2 ms."""

    def __init__(self, db: Path, tmp: Path):
        self.stop = tmp / f"stop-{db.stem}"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", PROBE, str(db), str(self.stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.3)  # let it start trying

    def result(self) -> dict:
        self.stop.touch()
        out, _ = self.proc.communicate(timeout=60)
        return json.loads(out)


def responses_csv(path: Path, services: Services, rows: int) -> None:
    """A form's export: timestamp, organisation, name, role, then a column a statement."""
    rng = random.Random(8)
    q = services.latest_questionnaire("governance").questionnaire
    labels = [p.label for p in q.scale] + ["Don't know", "Not applicable"]
    orgs = [o.name for o in services.store.organisations()]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["Timestamp", "Your organisation", "Your name", "Your role"]
            + [item.statement for item in q.items]
        )
        for n in range(rows):
            out.writerow(
                [f"2026-11-{1 + n % 28:02d} 10:{n % 60:02d}", orgs[n % len(orgs)]]
                + [f"Respondent {n}", "Board member"]
                + [rng.choice(labels) for _ in q.items]
            )


def responses_round(services: Services, sheet_path: Path, rows: int):
    """A round of 60 organisations, and at ``sheet_path`` a form's export of ``rows``
    rows naming them; the round."""
    store = services.store
    p = store.add_partnership("Benchmark partnership")
    rnd = store.add_round(p.id, "Round 1")
    types = list(PartnerType)
    for n in range(60):
        store.add_organisation(p.id, f"Organisation {n}", types[n % len(types)])
    responses_csv(sheet_path, services, rows)
    return rnd


def bench_responses(tmp: Path, rows: int) -> None:
    db = tmp / "responses.sqlite"
    with Services.open(db, [ROOT / "forms"]) as services:
        store = services.store
        sheet_path = tmp / "responses.csv"
        rnd = responses_round(services, sheet_path, rows)
        sheet = Services.read_responses(sheet_path)
        mapping = services.suggest_response_mapping(sheet, "governance")
        mapping.organisation = "Your organisation"
        assert len(mapping.columns) == 25, mapping.columns
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        probe = Probe(db, tmp)
        start = time.perf_counter()
        result = services.import_responses(sheet, mapping, rnd.id)
        seconds = time.perf_counter() - start
        figures = probe.result()
        counts = store.counts()
    print(
        f"responses import of {len(result.created):,} rows x 25 statements "
        f"({counts['answers']:,} answers, {counts['change_log']:,} change-log entries): "
        f"{seconds:.2f} s in all (backup included); longest write lock "
        f"{figures['longest'] * 1000:.0f} ms; a second writer was refused "
        f"{figures['refused']:,} times of {figures['tries']:,}"
    )


def bench_bundle(tmp: Path, n_assessments: int) -> None:
    source = tmp / "source.sqlite"
    ids = build(source, n_assessments)
    bundle = tmp / "bundle.zip"
    with Services.open(source, [ROOT / "forms"]) as services:
        services.export_assessments(ids, bundle)
    target = tmp / "target.sqlite"
    with Services.open(target, [ROOT / "forms"]) as services:
        services.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        probe = Probe(target, tmp)
        start = time.perf_counter()
        plan = services.plan_import(Services.read_bundle(bundle))
        services.apply_import(plan)
        seconds = time.perf_counter() - start
        figures = probe.result()
        counts = services.store.counts()
    print(
        f"bundle import of {counts['assessments']:,} assessments ({counts['answers']:,} "
        f"answers, {counts['change_log']:,} change-log entries) into an empty database: "
        f"{seconds:.2f} s in all (read, plan, backup, write); longest write lock "
        f"{figures['longest'] * 1000:.0f} ms; a second writer was refused "
        f"{figures['refused']:,} times of {figures['tries']:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--assessments", type=int, default=1000)
    parser.add_argument("--skip", choices=("responses", "bundle"), default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ICS_ASSESS_DATA_DIR"] = tmp
        if args.skip != "responses":
            bench_responses(Path(tmp), args.rows)
        if args.skip != "bundle":
            bench_bundle(Path(tmp), args.assessments)


if __name__ == "__main__":
    main()
