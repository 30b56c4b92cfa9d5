"""`ics-assess review` and `ics-assess concerns` (docs/cli.md): the review pack of the
demo's six-month review read back page by page, the JSON with every documented key, the
summary printed, the concerns added, listed and removed, and every refusal in one
sentence. Real files in temp directories."""

from __future__ import annotations

import json
import shutil

from pypdf import PdfReader

from .test_cli import assert_one_line_error, run, sha256
from .test_cli_actions import _documented_keys

BASELINE = "Baseline, May 2026"
REVIEW = "Six-month review, November 2026"


def _pages(path) -> list[str]:
    """Each page's text, its white space (line breaks within table cells) folded."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


def test_the_review_pack_of_the_demo(capsys, demo_db, tmp_path):
    before = sha256(demo_db)
    out_path = tmp_path / "review.pdf"
    code, out, err = run(capsys, "review", "--db", demo_db, "--round", REVIEW, "-o", out_path)
    assert code == 0 and not err
    pages = _pages(out_path)
    assert f"({len(pages)} pages)" in out and len(pages) >= 10
    assert sha256(demo_db) == before  # read-only
    text = "\n".join(pages)
    cover = pages[0]
    assert "Review pack" in cover and REVIEW in cover and "Against Baseline, May 2026" in cover
    assert "At a glance" in cover and "7 actions: 3 done" in cover
    # What changed: each questionnaire, with its organisations and gaps.
    for title in (
        "Democratic involvement and citizen voice: what",
        "Equal partnership: what changed",
        "Governance and accountability: what",
    ):
        assert title in text
    assert "Each organisation's overall score" in text
    assert "Gaps between sectors that narrowed or widened" in text
    assert "The statements that moved most" in text
    assert "Eastdale District Council" in text  # answered in one round only: named
    # The actions and their fate.
    actions = next(p for p in pages[1:] if "Actions agreed in Baseline, May 2026" in p)
    assert "Overdue: due 31 October 2026, in progress" in actions
    assert "Dropped" in actions and "due date moved from 31 December 2026" in actions
    # The profile then and now, computed figures marked.
    profile = next(p for p in pages[1:] if "The partnership profile then and now" in p)
    assert "Councillors among the ICB's" in profile and "computed" in profile
    assert "+£900,000" in profile
    # The questions for the decision, one block per concern.
    questions = "\n".join(p for p in pages if "Concern " in p or "Questions for the" in p)
    assert "4 concerns raised" in questions
    for raised_by in ("Northshire County Council", "Westmoor City Council"):
        assert f"raised by {raised_by} in Baseline, May 2026" in questions
    assert "Has it moved since Baseline, May 2026?" in questions
    assert "Do NHS and local government see it alike?" in questions
    assert "How this pack is worked out" in pages[-1]


def test_review_json_has_every_documented_key(capsys, demo_db):
    code, out, err = run(capsys, "review", "--db", demo_db, "--round", REVIEW, "--json")
    assert code == 0 and not err
    document = json.loads(out)
    assert set(document) == set(_documented_keys("### JSON: `review --json`"))
    q_keys = set(_documented_keys("Each object in `questionnaires`"))
    assert all(set(q) == q_keys for q in document["questionnaires"])
    a_keys = set(_documented_keys("Each object in `actions` and `new_actions`:"))
    assert all(set(a) == a_keys for a in document["actions"] + document["new_actions"])
    p_keys = set(_documented_keys("Each object in `profile`:"))
    assert all(set(p) == p_keys for p in document["profile"])
    c_keys = set(_documented_keys("Each object in `concerns`:"))
    assert all(set(c) == c_keys for c in document["concerns"])
    assert document["since"]["name"] == BASELINE
    assert {a["fate"] for a in document["actions"]} == {
        "done",
        "in_progress",
        "overdue",
        "dropped",
        "not_started",
    }
    scrutiny = next(c for c in document["concerns"] if c["statement_id"] == "dem-scrutiny-3")
    assert scrutiny["raised_by"] == "Westmoor City Council"
    assert [q["question"] for q in scrutiny["questions"]][1] == (
        "Has it moved since Baseline, May 2026?"
    )


def test_review_prints_the_summary_and_questions(capsys, demo_db):
    code, out, _ = run(capsys, "review", "--db", demo_db, "--round", REVIEW, "--since", BASELINE)
    assert code == 0
    assert out.startswith("Northshire and Westmoor Health and Care Partnership: " + REVIEW)
    assert "- Actions agreed in Baseline, May 2026: 7 actions:" in out
    # Named as in governance 1.1, which the review answered ("Leading each place" is 2).
    assert "Concern 4: Governance and accountability: Section 5: Openness" in out


def test_review_refusals_are_one_sentence(capsys, demo_db, tmp_path):
    code, _, err = run(capsys, "review", "--db", demo_db, "--round", BASELINE)
    assert code == 1 and "first" in assert_one_line_error(err)
    code, _, err = run(capsys, "review", "--db", demo_db, "--round", BASELINE, "--since", REVIEW)
    assert code == 1 and "opened after" in assert_one_line_error(err)
    code, _, err = run(capsys, "review", "--db", demo_db, "--round", "Nope")
    assert code == 1 and "Nope" in assert_one_line_error(err)
    code, _, err = run(
        capsys, "review", "--db", demo_db, "--round", REVIEW, "-o", tmp_path / "r.txt"
    )
    assert code == 2 and ".pdf" in err
    code, _, err = run(
        capsys, "review", "--db", demo_db, "--round", REVIEW, "-o", tmp_path / "r.pdf", "--json"
    )
    assert code == 2
    code, _, err = run(capsys, "review", "--db", demo_db)
    assert code == 2


def test_concerns_add_list_remove(capsys, demo_db, tmp_path):
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_db, path)
    code, out, _ = run(capsys, "concerns", "list", "--db", path, "--round", REVIEW, "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4
    assert set(rows[0]) == set(_documented_keys("### JSON: `concerns list --json`"))
    code, out, err = run(
        capsys,
        "concerns",
        "add",
        "--db",
        path,
        "--round",
        REVIEW,
        "--questionnaire",
        "equal-partnership",
        "--section",
        "prevention",
        "--raised-by",
        "Northshire Public Health",
        "--note",
        "\x1b[31mPrevention\x1b[0m is 3.9% of NHS spend",
    )
    assert code == 0 and not err
    assert "raised by Northshire Public Health" in out
    code, out, _ = run(capsys, "concerns", "list", "--db", path, "--round", REVIEW)
    assert code == 0 and "Section 3: Prevention" in out
    new = json.loads(run(capsys, "concerns", "list", "--db", path, "--round", REVIEW, "--json")[1])
    added = next(r for r in new if r["section_id"] == "prevention")
    assert added["note"].startswith("\x1b[31m") or added["note"].startswith("[31m")
    # Not in the baseline's list: it was raised in the review.
    baseline = json.loads(
        run(capsys, "concerns", "list", "--db", path, "--round", BASELINE, "--json")[1]
    )
    assert len(baseline) == 4
    # The same again is refused; so are a missing scope, a bad section, an outsider.
    args = ["concerns", "add", "--db", path, "--round", REVIEW, "--questionnaire"]
    code, _, err = run(
        capsys,
        *args,
        "equal-partnership",
        "--section",
        "prevention",
        "--raised-by",
        "Northshire Public Health",
    )
    assert code == 1 and "already raised" in assert_one_line_error(err)
    code, _, err = run(capsys, *args, "equal-partnership")
    assert code == 2
    code, _, err = run(capsys, *args, "governance", "--section", "nope")
    assert code == 1 and "no section 'nope'" in assert_one_line_error(err)
    code, _, err = run(capsys, *args, "governance", "--statement", "x", "--section", "review")
    assert code == 2
    # Remove by a unique beginning of its id.
    code, out, _ = run(capsys, "concerns", "remove", "--db", path, added["id"][:8])
    assert code == 0 and added["id"] in out
    code, _, err = run(capsys, "concerns", "remove", "--db", path, added["id"][:8])
    assert code == 1 and "no concern" in assert_one_line_error(err)
    code, _, err = run(capsys, "concerns", "--db", path)
    assert code == 2 and "ics-assess concerns" in err


def test_the_comparison_report_carries_the_profile(capsys, demo_db, tmp_path):
    out_path = tmp_path / "compare.pdf"
    args = ["compare", "--db", demo_db, "--round", REVIEW, "--questionnaire", "governance"]
    code, _, _ = run(capsys, *args, "-o", out_path)
    assert code == 0
    pages = _pages(out_path)
    profile = [n for n, p in enumerate(pages) if "The partnership profile then and now" in p]
    appendix = [n for n, p in enumerate(pages) if "Appendix: how the scores" in p]
    assert profile == [appendix[0] - 1]  # one page, just before the appendix
    assert "Councillors among the ICB's voting members 9 11 +2" in pages[profile[0]]
    # Without an earlier round: the round's facts only.
    code, _, _ = run(capsys, *args, "--since", "none", "-o", out_path)
    text = "\n".join(_pages(out_path))
    assert code == 0
    assert "The partnership profile Now: Six-month review" in text
    assert "then and now" not in text
