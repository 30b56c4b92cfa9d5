"""Benchmark `ics-assess compare`: the whole process and the in-process build.

    .venv/bin/python benchmarks/bench_compare.py [--sizes 50 500 5000] [--runs 3]

For each size it builds its own database (two rounds of one partnership; the
assessments of the Equal partnership questionnaire split between them, every statement
answered; two in three organisation responses, one in three individual views, over
organisations of every partner type), then measures:

- ``main.py compare --round "Round 2" --questionnaire equal-partnership --json`` as a
  whole process (median wall time, peak RSS of that process, from a small launcher so
  that the benchmark's own memory is not counted), beside the
  bare baselines ``python -c pass`` and ``main.py --version`` in the same run;
- ``Services.compare`` in-process, organisation and individual view, with the change
  since Round 1 (median wall time; peak of Python allocations with tracemalloc).

Target (issue 9): 5,000 assessments in a few seconds, growing about linearly. Timings
are medians, because the machine is shared and noisy; no test depends on them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ics_assess.domain import PartnerType  # noqa: E402
from ics_assess.services import Services  # noqa: E402
from ics_assess.store import new_id, now  # noqa: E402

QUESTIONNAIRE = "equal-partnership"


def build(path: Path, n_assessments: int) -> None:
    """A database of n assessments of one questionnaire over two rounds, in bulk."""
    rng = random.Random(1)
    with Services.open(path, [ROOT / "forms"]) as services:
        store = services.store
        loaded = services.latest_questionnaire(QUESTIONNAIRE)
        q = loaded.questionnaire
        with store.transaction():
            services.keep_questionnaire(loaded)
            p = store.add_partnership("Benchmark partnership")
            rounds = [store.add_round(p.id, f"Round {n}", f"2026-0{n}-01") for n in (1, 2)]
            types = list(PartnerType)
            n_orgs = max(len(types), min(200, n_assessments // 10))
            orgs = [
                store.add_organisation(p.id, f"Organisation {n}", types[n % len(types)])
                for n in range(n_orgs)
            ]
            stamp = now()
            assessments, answers = [], []
            for n in range(n_assessments):
                aid = new_id()
                assessments.append(
                    {
                        "id": aid,
                        "round_id": rounds[n % 2].id,
                        "organisation_id": orgs[(n // 2) % n_orgs].id,
                        "questionnaire_id": q.id,
                        "questionnaire_version": q.version,
                        "kind": "individual" if n % 3 == 2 else "organisation",
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
                    roll = rng.random()
                    answers.append(
                        {
                            "assessment_id": aid,
                            "item_id": item.id,
                            "rating": None if roll < 0.05 else rng.randint(1, 5),
                            "unrated": "dont_know" if roll < 0.05 else None,
                            "target": None,
                            "comment": "",
                            "updated_at": stamp,
                        }
                    )
            store.db["assessments"].insert_all(assessments, batch_size=1000)
            store.db["answers"].insert_all(answers, batch_size=1000)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def measured_env(data_dir: str) -> dict[str, str]:
    """The environment of the measured processes: as a user's, without the test
    harness's PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["ICS_ASSESS_DATA_DIR"] = data_dir
    return env


# The measured process is started by this small launcher (python -S), which reports its
# wall time and peak RSS. Started straight from the benchmark, a child's peak RSS would
# include the benchmark's own memory at the fork (Linux keeps the high-water mark across
# exec), and the benchmark holds the databases it built.
_LAUNCHER = """
import os, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
print(code, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def time_process(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall time (s) of a whole process and its largest peak RSS (MiB)."""
    times, peaks = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-S", "-c", _LAUNCHER, *cmd],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        code, wall, peak = int(out[0]), float(out[1]), int(out[2])
        if code != 0:
            raise SystemExit(f"{' '.join(cmd)} exited with {code}")
        times.append(wall)
        peaks.append(peak / 1024)  # KiB on Linux
    return statistics.median(times), max(peaks)


def time_in_process(path: Path, kind: str, runs: int) -> tuple[float, float, int]:
    """Median wall time (s) of Services.compare, its peak of Python allocations (MiB)
    in one more run, and how many assessments it compared."""
    with Services.open(path, [ROOT / "forms"], readonly=True) as services:
        rnd = next(r for r in services.rounds() if r.name == "Round 2")
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            c = services.compare(round_id=rnd.id, questionnaire_id=QUESTIONNAIRE, kind=kind)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        services.compare(round_id=rnd.id, questionnaire_id=QUESTIONNAIRE, kind=kind)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return statistics.median(times), peak / 2**20, c.submitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = max(3, args.runs)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = measured_env(tmp)
        os.environ["ICS_ASSESS_DATA_DIR"] = tmp
        python = sys.executable
        main_py = str(ROOT / "main.py")
        bare, bare_mem = time_process([python, "-c", "pass"], runs, env)
        version, version_mem = time_process([python, main_py, "--version"], runs, env)
        for size in args.sizes:
            path = Path(tmp) / f"bench-{size}.sqlite"
            start = time.perf_counter()
            build(path, size)
            built = time.perf_counter() - start
            cli = [python, main_py, "--db", str(path), "compare", "--round", "Round 2"]
            cli += ["--questionnaire", QUESTIONNAIRE, "--json"]
            wall, rss = time_process(cli, runs, env)
            org_t, org_mem, org_n = time_in_process(path, "organisation", runs)
            ind_t, ind_mem, ind_n = time_in_process(path, "individual", runs)
            rows.append((size, built, wall, rss, org_t, org_mem, org_n, ind_t, ind_mem, ind_n))
            print(f"built {size:,} assessments in {built:.1f} s", file=sys.stderr)

    print(f"medians of {runs} runs; peak RSS of the process, tracemalloc peak in-process")
    print(f"baseline 'python -c pass':     {bare:.3f} s, {bare_mem:.0f} MiB")
    print(f"baseline 'main.py --version':  {version:.3f} s, {version_mem:.0f} MiB")
    header = (
        f"{'assessments':>11}  {'process s':>9}  {'RSS MiB':>7}  "
        f"{'org view s':>10}  {'org MiB':>7}  {'compared':>8}  "
        f"{'ind. view s':>11}  {'ind MiB':>7}  {'compared':>8}"
    )
    print(header)
    print("-" * len(header))
    for size, _, wall, rss, org_t, org_mem, org_n, ind_t, ind_mem, ind_n in rows:
        print(
            f"{size:>11,}  {wall:>9.3f}  {rss:>7.0f}  {org_t:>10.3f}  {org_mem:>7.1f}  "
            f"{org_n:>8,}  {ind_t:>11.3f}  {ind_mem:>7.1f}  {ind_n:>8,}"
        )


if __name__ == "__main__":
    main()
