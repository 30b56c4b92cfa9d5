"""Hard-kill soak: kill a writing process at random moments and count lost answers.

    .venv/bin/python benchmarks/soak_kill.py [--kills 200] [--seed 1]

Each round starts a child process that opens the same database through Services and
answers statements as fast as it can (a rating, then a comment, on the next statement of
an assessment, starting a new assessment when one is full), printing one line to its
parent after each write returns: an *acknowledged* answer. The parent kills it with
SIGKILL after a random 20-400 ms, with no warning and no clean shutdown, then opens the
database afresh and checks every acknowledged rating and comment is there, and that
SQLite's integrity check passes. The figures it prints are the ones docs/reliability.md
quotes. Not a test: it takes minutes, and the machine's load changes how far each child
gets; the loss count is what matters, and it must be 0.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ics_assess.services import Services  # noqa: E402

FORMS = ROOT / "forms"

CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from pathlib import Path
    from ics_assess.services import Services

    db, forms, _, round_id, org_id, start = sys.argv[1:7]
    n = int(start)
    with Services.open(Path(db), [Path(forms)]) as services:
        items = [i.id for i in services.latest_questionnaire("governance").questionnaire.items]
        print("ready", flush=True)
        while True:
            a = services.start_assessment(
                round_id=round_id,
                organisation_id=org_id,
                questionnaire_id="governance",
                kind="individual",
            )
            for item_id in items:
                rating = n % 5 + 1
                services.answer(a.id, item_id, rating)
                services.set_comment(a.id, item_id, f"answer {n}")
                print(a.id, item_id, rating, n, flush=True)
                n += 1
    """
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONUNBUFFERED"}}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "soak.sqlite"
        with Services.open(db, [FORMS]) as services:
            p = services.add_partnership("Soak")
            rnd = services.add_round(p.id, "Round")
            org = services.add_organisation(p.id, "Council", "upper_tier_council")
        script = Path(tmp) / "child.py"
        script.write_text(CHILD)
        acknowledged: list[tuple[str, str, int, int]] = []
        started = time.monotonic()
        for _ in range(args.kills):
            child = subprocess.Popen(
                [
                    sys.executable,
                    str(script),
                    str(db),
                    str(FORMS),
                    str(ROOT),
                    rnd.id,
                    org.id,
                    str(len(acknowledged)),
                ],
                stdout=subprocess.PIPE,
                env=env,
            )
            assert child.stdout is not None
            if child.stdout.readline().strip() != b"ready":
                child.kill()
                print("a child did not start", file=sys.stderr)
                return 1
            deadline = time.monotonic() + rng.uniform(0.02, 0.4)
            os.set_blocking(child.stdout.fileno(), False)
            buffer = b""
            while time.monotonic() < deadline:
                buffer += child.stdout.read() or b""
                time.sleep(0.002)
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            buffer += child.stdout.read() or b""
            # Only whole lines count: a line cut by the kill was not acknowledged.
            for line in buffer.decode().splitlines(keepends=True):
                if line.endswith("\n"):
                    aid, item_id, rating, n = line.split()
                    acknowledged.append((aid, item_id, int(rating), int(n)))
        elapsed = time.monotonic() - started
        lost = 0
        with Services.open(db, [FORMS], readonly=True) as services:
            problems = services.check().problems
            by_assessment: dict[str, dict] = {}
            for aid, item_id, rating, n in acknowledged:
                if aid not in by_assessment:
                    by_assessment[aid] = services.store.answers(aid)
                answer = by_assessment[aid].get(item_id)
                if answer is None or answer.rating != rating or answer.comment != f"answer {n}":
                    lost += 1
        print(f"hard kills:            {args.kills}")
        print(f"acknowledged answers:  {len(acknowledged):,} (a rating and a comment each)")
        print(f"lost:                  {lost}")
        print(f"integrity problems:    {len(problems)}")
        print(f"time:                  {elapsed:.0f} s")
        return 1 if lost or problems else 0


if __name__ == "__main__":
    sys.exit(main())
