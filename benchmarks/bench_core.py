"""Benchmark the core's speed targets and print the figures.

    .venv/bin/python benchmarks/bench_core.py [--assessments 10000] [--runs 5]

Targets (issue 2): opening a database of 10,000 assessments and listing them stays well
under a second; saving one answer takes milliseconds. Timings are medians, because this
machine is shared and noisy; no test depends on them.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ics_assess.domain import PartnerType  # noqa: E402
from ics_assess.services import Services  # noqa: E402
from ics_assess.store import new_id, now  # noqa: E402


def build(path: Path, n_assessments: int) -> None:
    """A database of n assessments, every statement answered, written in bulk."""
    rng = random.Random(1)
    with Services.open(path, [ROOT / "forms"]) as services:
        store = services.store
        loaded = [services.latest_questionnaire(q) for q in ("governance", "equal-partnership")]
        with store.transaction():
            for entry in loaded:
                services.keep_questionnaire(entry)
            p = store.add_partnership("Benchmark partnership")
            rounds = [store.add_round(p.id, f"Round {n}") for n in range(1, 5)]
            types = list(PartnerType)
            orgs = [
                store.add_organisation(p.id, f"Organisation {n}", types[n % len(types)])
                for n in range(200)
            ]
            stamp = now()
            assessments, answers = [], []
            for n in range(n_assessments):
                q = loaded[n % 2].questionnaire
                aid = new_id()
                assessments.append(
                    {
                        "id": aid,
                        "round_id": rounds[n % 4].id,
                        "organisation_id": orgs[n % 200].id,
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
                for item in q.items:
                    answers.append(
                        {
                            "assessment_id": aid,
                            "item_id": item.id,
                            "rating": rng.randint(1, 5),
                            "unrated": None,
                            "target": None,
                            "comment": "",
                            "updated_at": stamp,
                        }
                    )
            store.db["assessments"].insert_all(assessments, batch_size=1000)
            store.db["answers"].insert_all(answers, batch_size=1000)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def time_process(cmd: list[str], runs: int) -> tuple[float, int]:
    """Median wall time of a whole process, and the peak RSS (KiB) of the last run."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ICS_ASSESS_DATA_DIR"] = tmp
        path = Path(tmp) / "bench.sqlite"
        start = time.perf_counter()
        build(path, args.assessments)
        size_mb = path.stat().st_size / 1e6
        print(
            f"built {args.assessments:,} assessments in {time.perf_counter() - start:.1f} s "
            f"({size_mb:.1f} MB)"
        )

        # In-process: open (includes the integrity quick_check) and list.
        opens, lists = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            services = Services.open(path, [ROOT / "forms"])
            t1 = time.perf_counter()
            rows = services.list_assessments()
            t2 = time.perf_counter()
            services.close()
            opens.append(t1 - t0)
            lists.append(t2 - t1)
        assert len(rows) == args.assessments
        print(f"open (with quick_check), median of {args.runs}: {statistics.median(opens):.3f} s")
        listed = statistics.median(lists)
        print(f"list {len(rows):,} assessments, median of {args.runs}: {listed:.3f} s")

        cli = [sys.executable, str(ROOT / "main.py"), "list", "--json", "--db", str(path)]
        wall, peak = time_process(cli, args.runs)
        print(
            f"whole process 'main.py list --json', median of {args.runs}: {wall:.3f} s, "
            f"peak RSS {peak / 1024:.0f} MiB"
        )

        # Saving one answer: the GUI's autosave path, on the big database.
        with Services.open(path, [ROOT / "forms"]) as services:
            p = services.store.partnerships()[0]
            rnd = services.store.rounds(p.id)[0]
            org = services.store.organisations(p.id)[0]
            a = services.start_assessment(
                round_id=rnd.id,
                organisation_id=org.id,
                questionnaire_id="governance",
                kind="organisation",
            )
            items = [i.id for i in services.questionnaire_of(a).items]
            saves = []
            for n in range(400):
                t0 = time.perf_counter()
                services.answer(a.id, items[n % len(items)], n % 5 + 1)
                saves.append(time.perf_counter() - t0)
            comments = []
            for n in range(200):
                t0 = time.perf_counter()
                services.set_comment(a.id, items[n % len(items)], f"Evidence draft {n} " * 20)
                comments.append(time.perf_counter() - t0)
        q = statistics.quantiles(saves, n=20)
        print(
            f"save one rating (synchronous=FULL), 400 saves: median "
            f"{statistics.median(saves) * 1000:.2f} ms, 95th percentile {q[18] * 1000:.2f} ms"
        )
        print(f"save one comment, 200 saves: median {statistics.median(comments) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
