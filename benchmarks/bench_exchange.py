"""Benchmark exchange bundles: export and import of 1,000 assessments, and print the figures.

    .venv/bin/python benchmarks/bench_exchange.py [--assessments 1000] [--runs 3]

Target (issue: exchange bundles): exporting and importing 1,000 assessments takes seconds,
not minutes. Every assessment answers every statement of its questionnaire, with a
comment on every fourth, and has the change-log entries the app would have written (one
per rating and comment, plus created and submitted). Timings are medians of ``--runs``,
because this machine is shared and noisy; no test depends on them.
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


def build(path: Path, n_assessments: int) -> list[str]:
    """A database of n submitted assessments written in bulk; their ids."""
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
            assessments, answers, log = [], [], []
            for n in range(n_assessments):
                q = loaded[n % 2].questionnaire
                aid = new_id()
                ids.append(aid)
                assessments.append(
                    {
                        "id": aid,
                        "round_id": rounds[n % 2].id,
                        "organisation_id": orgs[n % 60].id,
                        "questionnaire_id": q.id,
                        "questionnaire_version": q.version,
                        "kind": "individual" if n % 3 else "organisation",
                        "status": "submitted",
                        "respondent_name": f"Respondent {n}",
                        "respondent_role": "Member",
                        "workshop_id": None,
                        "position": None,
                        "created_at": stamp,
                        "updated_at": stamp,
                        "submitted_at": stamp,
                    }
                )
                entry = {"changed_at": stamp, "changed_by": "", "assessment_id": aid}
                log.append(
                    {
                        **entry,
                        "item_id": None,
                        "field": "created",
                        "old_value": None,
                        "new_value": "draft",
                    }
                )
                for k, item in enumerate(q.items):
                    rating = rng.randint(1, 5)
                    comment = (
                        f"Evidence for {item.id}: minutes of meeting {k}." if k % 4 == 0 else ""
                    )
                    answers.append(
                        {
                            "assessment_id": aid,
                            "item_id": item.id,
                            "rating": rating,
                            "unrated": None,
                            "target": min(5, rating + 1),
                            "comment": comment,
                            "updated_at": stamp,
                        }
                    )
                    log.append(
                        {
                            **entry,
                            "item_id": item.id,
                            "field": "rating",
                            "old_value": None,
                            "new_value": str(rating),
                        }
                    )
                    if comment:
                        log.append(
                            {
                                **entry,
                                "item_id": item.id,
                                "field": "comment",
                                "old_value": "",
                                "new_value": comment,
                            }
                        )
                log.append(
                    {
                        **entry,
                        "item_id": None,
                        "field": "status",
                        "old_value": "draft",
                        "new_value": "submitted",
                    }
                )
            store.db["assessments"].insert_all(assessments, batch_size=1000)
            store.db["answers"].insert_all(answers, batch_size=1000)
            store.db["change_log"].insert_all(log, batch_size=1000)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ids


def median_of(runs: int, func) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

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
