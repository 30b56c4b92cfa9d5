"""Benchmark exchange bundles: export and import, and print the figures.

    .venv/bin/python benchmarks/bench_exchange.py [--assessments 1000] [--runs 3]
    .venv/bin/python benchmarks/bench_exchange.py --scale 10000,50000

The first form times export and import of 1,000 assessments in-process (medians of
``--runs``) and as whole processes. ``--scale`` builds a database of each size, then runs
``main.py export --round ... -o FILE`` and ``main.py import FILE`` into a new database as
child processes, and prints each one's wall time and peak memory (the child's own
``ru_maxrss``, from ``os.wait4``), with the bundle's sizes (issue 12: linear, and under
200 MB at 10,000).

Every assessment answers every statement of its questionnaire, with a comment on every
fourth, and has the change-log entries the app would have written (one per rating and
comment, plus created and submitted). This machine is shared and noisy; no test depends
on these timings.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ics_assess.domain import PartnerType  # noqa: E402
from ics_assess.services import Services  # noqa: E402
from ics_assess.store import new_id, now  # noqa: E402

ASSESSMENT_COLUMNS = (
    "id, round_id, organisation_id, questionnaire_id, questionnaire_version, kind, status, "
    "respondent_name, respondent_role, workshop_id, position, created_at, updated_at, "
    "submitted_at"
)
ANSWER_COLUMNS = "assessment_id, item_id, rating, unrated, target, comment, updated_at"
CHANGE_COLUMNS = "changed_at, changed_by, assessment_id, item_id, field, old_value, new_value"
BATCH = 1000


def _marks(columns: str) -> str:
    return ", ".join("?" * len(columns.split(",")))


def build(path: Path, n_assessments: int) -> list[str]:
    """A database of n submitted assessments in two rounds, written in bulk (batches of
    1,000 assessments, so 50,000 need no more memory than 1,000); their ids."""
    rng = random.Random(1)
    with Services.open(path, [ROOT / "forms"]) as services:
        store = services.store
        loaded = [services.latest_questionnaire(q) for q in ("governance", "equal-partnership")]
        ids: list[str] = []
        with store.transaction():
            for entry in loaded:
                services.keep_questionnaire(entry)
            p = store.add_partnership("Benchmark partnership")
            rounds = [store.add_round(p.id, f"Round {n}") for n in range(1, 3)]
            types = list(PartnerType)
            orgs = [
                store.add_organisation(p.id, f"Organisation {n}", types[n % len(types)])
                for n in range(60)
            ]
            stamp = now()
            conn = store.db.conn
            for first in range(0, n_assessments, BATCH):
                assessments, answers, log = [], [], []
                for n in range(first, min(first + BATCH, n_assessments)):
                    q = loaded[n % 2].questionnaire
                    aid = new_id()
                    ids.append(aid)
                    assessments.append(
                        (
                            aid,
                            rounds[n % 2].id,
                            orgs[n % 60].id,
                            q.id,
                            q.version,
                            "individual" if n % 3 else "organisation",
                            "submitted",
                            f"Respondent {n}",
                            "Member",
                            None,
                            None,
                            stamp,
                            stamp,
                            stamp,
                        )
                    )
                    log.append((stamp, "", aid, None, "created", None, "draft"))
                    for k, item in enumerate(q.items):
                        rating = rng.randint(1, 5)
                        comment = (
                            f"Evidence for {item.id}: minutes of meeting {k}." if k % 4 == 0 else ""
                        )
                        target = min(5, rating + 1)
                        answers.append((aid, item.id, rating, None, target, comment, stamp))
                        log.append((stamp, "", aid, item.id, "rating", None, str(rating)))
                        if comment:
                            log.append((stamp, "", aid, item.id, "comment", "", comment))
                    log.append((stamp, "", aid, None, "status", "draft", "submitted"))
                for table, columns, rows in (
                    ("assessments", ASSESSMENT_COLUMNS, assessments),
                    ("answers", ANSWER_COLUMNS, answers),
                    ("change_log", CHANGE_COLUMNS, log),
                ):
                    conn.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({_marks(columns)})", rows
                    )
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ids


def median_of(runs: int, func) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def child(command: list[str], log: Path) -> tuple[float, float, float, int]:
    """Run a command as a child process: its wall time, its CPU time (user and system),
    its own peak memory in MiB (ru_maxrss from wait4, so not the benchmark's nor another
    child's), and its exit code; its stderr goes to ``log``. On a shared machine the CPU
    time varies less than the wall time."""
    start = time.perf_counter()
    with open(log, "wb") as err:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, proc.returncode


def scale(sizes: list[int]) -> None:
    """Export and import whole processes at each size; print time and peak memory."""
    sys.stdout.reconfigure(line_buffering=True)
    main_py = [sys.executable, str(ROOT / "main.py")]
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            os.environ["ICS_ASSESS_DATA_DIR"] = tmp
            source = tmp_path / "source.sqlite"
            start = time.perf_counter()
            build(source, size)
            built = time.perf_counter() - start
            db_mb = source.stat().st_size / 1e6
            print(f"{size:,} assessments: built in {built:.1f} s (database {db_mb:.0f} MB)")
            bundle = tmp_path / "bundle.zip"
            log = tmp_path / "stderr.txt"
            rounds = ["--round", "Round 1", "--round", "Round 2"]
            command = [*main_py, "export", *rounds, "-o", str(bundle), "--db", str(source)]
            seconds, cpu, peak, code = child(command, log)
            if code:
                print(f"  export failed in {seconds:.1f} s: {log.read_text().strip()}")
                continue
            with zipfile.ZipFile(bundle) as archive:
                unpacked = sum(i.file_size for i in archive.infolist())
                records = archive.getinfo("records.json").file_size
            print(
                f"  export: {seconds:.1f} s (CPU {cpu:.1f} s), peak memory {peak:.0f} MiB; file "
                f"{bundle.stat().st_size / 1e6:.1f} MB, records.json {records / 1e6:.1f} MB "
                f"({unpacked / 1e6:.1f} MB unpacked in all)"
            )
            target = tmp_path / "target.sqlite"
            command = [*main_py, "import", str(bundle), "--db", str(target)]
            seconds, cpu, peak, code = child(command, log)
            if code:
                print(f"  import failed in {seconds:.1f} s: {log.read_text().strip()}")
                continue
            with Services.open(target, [ROOT / "forms"]) as services:
                got = services.store.db.execute("SELECT count(*) FROM answers").fetchone()[0]
            print(
                f"  import into a new database: {seconds:.1f} s (CPU {cpu:.1f} s), peak memory "
                f"{peak:.0f} MiB "
                f"({got:,} answers arrived)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--scale",
        metavar="N,N,...",
        help="build each size, then export and import it as whole processes",
    )
    args = parser.parse_args()
    if args.scale:
        scale([int(n.replace("_", "")) for n in args.scale.split(",")])
        return

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["ICS_ASSESS_DATA_DIR"] = tmp
        source = tmp_path / "source.sqlite"
        start = time.perf_counter()
        ids = build(source, args.assessments)
        print(f"built {len(ids):,} assessments in {time.perf_counter() - start:.1f} s")
        bundle = tmp_path / "bundle.zip"

        with Services.open(source, [ROOT / "forms"]) as services:
            seconds, result = median_of(args.runs, lambda: services.export_assessments(ids, bundle))
        counts = result.counts
        with zipfile.ZipFile(bundle) as archive:
            info = archive.getinfo("records.json")
        print(
            f"export {counts['assessments']:,} assessments ({counts['answers']:,} answers, "
            f"{counts['change_log']:,} change-log entries), in-process, median of "
            f"{args.runs}: {seconds:.2f} s; file {result.size / 1e6:.1f} MB, records.json "
            f"{info.file_size / 1e6:.1f} MB compressed {info.file_size / info.compress_size:.0f}:1"
        )

        def import_fresh(n=[0]):  # noqa: B006 (a counter for fresh file names)
            n[0] += 1
            with Services.open(tmp_path / f"target{n[0]}.sqlite", [ROOT / "forms"]) as target:
                t0 = time.perf_counter()
                bundle_read = Services.read_bundle(bundle)
                t1 = time.perf_counter()
                plan = target.plan_import(bundle_read)
                t2 = time.perf_counter()
                target.apply_import(plan)
                t3 = time.perf_counter()
            return t1 - t0, t2 - t1, t3 - t2

        seconds, parts = median_of(args.runs, import_fresh)
        print(
            f"import into an empty database, in-process, median of {args.runs}: {seconds:.2f} s "
            f"(last run: read and check {parts[0]:.2f} s, plan {parts[1]:.2f} s, "
            f"write {parts[2]:.2f} s)"
        )
        with Services.open(tmp_path / "target1.sqlite", [ROOT / "forms"]) as target:
            seconds, plan = median_of(args.runs, lambda: target.plan_import(bundle))
            target.apply_import(plan)
        print(
            f"import the same file again (all {sum(plan.count('same').values()):,} records "
            f"already there), median of {args.runs}: {seconds:.2f} s"
        )

        main_py = [sys.executable, str(ROOT / "main.py")]
        cli_bundle = tmp_path / "cli.zip"
        ids_file_args = ["--round", "Round 1", "--round", "Round 2"]

        def cli_export():
            subprocess.run(
                [*main_py, "export", *ids_file_args, "-o", str(cli_bundle), "--db", str(source)],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        def cli_import(n=[0]):  # noqa: B006
            n[0] += 1
            target = tmp_path / f"cli{n[0]}.sqlite"
            subprocess.run(
                [*main_py, "import", str(cli_bundle), "--db", str(target)],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        seconds, _ = median_of(args.runs, cli_export)
        print(f"whole process 'main.py export --round ... -o FILE', median: {seconds:.2f} s")
        seconds, _ = median_of(args.runs, cli_import)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"whole process 'main.py import FILE' into a new database, median: {seconds:.2f} s "
            f"(peak RSS of the export and import processes {peak:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
