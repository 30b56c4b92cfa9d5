"""Issue 8, done when: a real 2,000-row responses import runs in another process against
the same database file while a real walk-through is rated by keyboard, and no rating is
refused, every rating ends up in the file, and the status line said so whenever one had
to wait."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import time

from ics_assess.domain import Unrated
from ics_assess.ui.walkthrough import StatementCard

from .conftest import PROJECT_ROOT
from .test_ui_walkthrough import focused_card, make_page, press

ROWS = 2000
KEYS = ["1", "2", "3", "4", "5", "d", "n"]
VALUES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "d": Unrated.DONT_KNOW}
VALUES["n"] = Unrated.NOT_APPLICABLE


def write_responses(path, services, orgs) -> None:
    q = services.latest_questionnaire("governance").questionnaire
    labels = [p.label for p in q.scale]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["Your organisation", "Your name", "Your role"] + [i.statement for i in q.items]
        )
        for n in range(ROWS):
            org = orgs[n % len(orgs)]
            row = [org, f"Respondent {n}", "Member"]
            out.writerow(row + [labels[(n + k) % 5] for k in range(len(q.items))])


def test_ratings_typed_during_a_long_import_are_all_saved(
    qtbot, services, partnership_setup, draft, fake_dialogs, db_path, tmp_path
):
    _, rnd, orgs = partnership_setup
    sheet = tmp_path / "responses.csv"
    write_responses(sheet, services, [o.name for o in orgs.values()])
    page = make_page(qtbot, services, fake_dialogs, draft.id)
    order = [item.id for item in services.detail(draft.id).questionnaire.items]
    statuses: list[str] = []
    page.status_changed.connect(statuses.append)
    waited_and_said = []  # (answers waiting, status) after each keystroke that had to wait

    command = [sys.executable, str(PROJECT_ROOT / "main.py"), "responses", str(sheet)]
    command += ["--db", str(db_path), "--questionnaire", "governance", "--round", rnd.name]
    command += ["--organisation-column", "Your organisation"]
    importer = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    given: dict[str, object] = {}
    presses = 0
    deadline = time.monotonic() + 120
    try:
        # Rate by keyboard, statement after statement (round again from the first), for
        # as long as the import runs, and a little longer.
        while (importer.poll() is None or presses < 40) and time.monotonic() < deadline:
            card = focused_card()
            if card is None or not isinstance(card, StatementCard):
                page.show_item(order[0])
                card = focused_card()
            key = KEYS[presses % len(KEYS)]
            item_id = card.item_id
            press(qtbot, key)
            presses += 1
            given[item_id] = VALUES[key]
            if page.waiting():
                waited_and_said.append((page.waiting(), page.status()))
            if page.current_item_id() == item_id:  # the last statement: start again
                page.show_item(order[0])
            qtbot.wait(20)
        out, err = importer.communicate(timeout=120)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err
    assert f"Imported {ROWS} responses" in out
    # Whatever still waits is written once the file is free.
    qtbot.waitUntil(lambda: page.waiting() == 0, timeout=15000)

    assert fake_dialogs.messages("error") == []  # no save was refused
    assert not any(s.startswith("Not saved") for s in statuses)
    for waiting, status in waited_and_said:
        assert "waiting to be saved: the database is busy" in status, status
        assert status.startswith(f"{waiting} answer")
    assert page.status() == "All changes saved"
    print(f"{presses} ratings typed; {len(waited_and_said)} had to wait for the import")

    with sqlite3.connect(db_path) as conn:  # a fresh connection, after both finished
        rows = conn.execute(
            "SELECT item_id, rating, unrated FROM answers WHERE assessment_id = ?", [draft.id]
        ).fetchall()
        imported = conn.execute(
            "SELECT count(*) FROM assessments WHERE round_id = ? AND kind = 'individual'",
            [rnd.id],
        ).fetchone()[0]
    stored = {
        item: rating if rating is not None else Unrated(unrated) for item, rating, unrated in rows
    }
    assert stored == given
    assert imported == ROWS
