"""Benchmark the PDF report against the length of the text it prints: is its time linear?

    .venv/bin/python benchmarks/bench_report_text.py [--runs 3] [--sizes 10000,100000,1000000]
    .venv/bin/python benchmarks/bench_report_text.py --everything 1000000

Target (issue 8: nothing a file contains can crash the app): a report's time grows in step
with the text it prints, so doubling a comment roughly doubles the time and no stored
value, however long, makes a report take minutes or fail. The store now refuses names
over 200 characters and comments over 10,000, but databases written before may hold
anything, so each database here is made with short values and then the long ones are
written straight into the SQLite file, as a legacy database would hold them.

Each line times `Services.report_assessment` in this process (fonts registered and
imports done once beforehand, so only the report itself is timed): the median of
``--runs`` runs, the pages, and the time per 100,000 characters of the long text. With
``--everything N`` the organisation name, respondent name and role, partnership name and
one comment are all N characters long, and the organisation report is timed too. No test
depends on these numbers.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ics_assess.services import Services  # noqa: E402

FORMS = ROOT / "forms"
SENTENCE = "The board papers show the partnership met {n} times and agreed its priorities. "


def prose(length: int) -> str:
    """``length`` characters of sentences, a paragraph break every ten sentences."""
    parts: list[str] = []
    size = n = 0
    while size < length:
        piece = SENTENCE.format(n=n) + ("\n\n" if n % 10 == 9 else "")
        parts.append(piece)
        size += len(piece)
        n += 1
    return "".join(parts)[:length]


def name(length: int) -> str:
    """A one-line name of ``length`` characters."""
    words = "Northshire Westmoor Eastdale Combined Authority Health and Care Trust "
    return (words * (length // len(words) + 1))[:length].strip() or "N"


def build_database(
    folder: Path, *, comment: int, name_length: int = 0, respondent: int = 0
) -> tuple[Path, str, str, str]:
    """A database with one governance assessment (every statement rated, a short comment
    on each) whose first comment is ``comment`` characters long; with ``name_length``
    and ``respondent`` the organisation and partnership names, and the respondent's name
    and role, are that long. (database, assessment id, organisation id, round id)"""
    db = folder / f"bench-{comment}-{name_length}-{respondent}.sqlite"
    with Services.open(db, [FORMS]) as services:
        store = services.store
        p = store.add_partnership("Bench Partnership", "Bench ICS")
        rnd = store.add_round(p.id, "Baseline", "2026-11-01")
        org = store.add_organisation(p.id, "Bench Council", "upper_tier_council")
        a = services.start_assessment(
            round_id=rnd.id,
            organisation_id=org.id,
            questionnaire_id="governance",
            kind="organisation",
            respondent_name="Respondent",
            respondent_role="Role",
        )
        q = services.questionnaire_of(a)
        for i, item in enumerate(q.items):
            services.answer(a.id, item.id, 1 + i % 5)
            services.set_comment(a.id, item.id, f"Comment {i}: see the board paper.")
        store.add_action(
            partnership_id=p.id,
            round_id=rnd.id,
            organisation_id=org.id,
            description="Agree a partnership plan.",
            owner="Director",
            due_on="2027-01-31",
        )
        first = q.items[0].id
    # Past the store's limits, straight into the file, as an older version may have left it.
    with sqlite3.connect(db) as con:
        con.execute(
            "UPDATE answers SET comment = ? WHERE assessment_id = ? AND item_id = ?",
            (prose(comment), a.id, first),
        )
        if name_length:
            con.execute("UPDATE organisations SET name = ?", (name(name_length),))
            con.execute("UPDATE partnerships SET name = ?", (name(name_length),))
        if respondent:
            con.execute(
                "UPDATE assessments SET respondent_name = ?, respondent_role = ?",
                (name(respondent), name(respondent)),
            )
    con.close()
    return db, a.id, org.id, rnd.id


def timed(label: str, make, runs: int, length: int) -> float:
    """Run ``make`` ``runs`` times; print and return the median seconds."""
    times = []
    pages = 0
    for _ in range(runs):
        start = time.perf_counter()
        pages = make()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    per = f"{median / length * 100_000:6.2f} s per 100k chars" if length else ""
    print(
        f"{label:<44} median {median:7.2f} s   min {min(times):7.2f} s   {pages:4d} pages   {per}",
        flush=True,
    )
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument(
        "--sizes",
        default="10000,20000,100000,200000,1000000",
        help="comment lengths to time, comma-separated (default 10k, 20k, 100k, 200k, 1M)",
    )
    parser.add_argument(
        "--everything",
        type=int,
        default=0,
        metavar="N",
        help="also time a report whose names, respondent, role and a comment are N long",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    print(f"Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["ICS_ASSESS_DATA_DIR"] = str(folder / "data")
        out = folder / "report.pdf"
        # Warm up: imports, fonts and styles, so that the first size is not charged for them.
        db, aid, _, _ = build_database(folder, comment=100)
        with Services.open(db, [FORMS], create=False) as services:
            services.report_assessment(aid, out)
        for size in sizes:
            db, aid, _, _ = build_database(folder, comment=size)
            with Services.open(db, [FORMS], create=False) as services:
                timed(
                    f"report, one comment of {size:,} characters",
                    lambda s=services, a=aid: s.report_assessment(a, out).pages,
                    args.runs,
                    size,
                )
        if args.everything:
            n = args.everything
            db, aid, oid, rid = build_database(folder, comment=n, name_length=n, respondent=n)
            with Services.open(db, [FORMS], create=False) as services:
                timed(
                    f"report, {n:,}-char names, role, comment",
                    lambda: services.report_assessment(aid, out).pages,
                    1,
                    0,
                )
                timed(
                    f"organisation report, {n:,}-char everything",
                    lambda: services.report_organisation(oid, rid, out).pages,
                    1,
                    0,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
