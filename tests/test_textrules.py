"""One definition of the text the app keeps (ics_assess/textrules.py), applied by the
store, the bundle importer and the exporter alike: what is stored can always be exported,
imported, shown and reported, and one record stored before the rules held never blocks
an export."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile

import pytest
from pypdf import PdfReader

from ics_assess import textrules
from ics_assess.cli import detail_json
from ics_assess.exchange import BundleError, read_bundle
from ics_assess.exchange.bundle import dump_json
from ics_assess.services import Services
from ics_assess.store import InvalidTextError

from .conftest import FORMS_DIR
from .test_exchange import make_bundle

# Every script the reports print, markup, quotes, right-to-left and combining marks.
STRANGE = (
    "Cyngor Sir Ŵŷ & <b>Łódź</b> “quoted” 'x' <img src=x> "
    "اردو 中文 日本語 한국어 বাংলা हिन्दी ગુજરાતી ਪੰਜਾਬੀ தமிழ் മലയാളം አማርኛ e\u0301"
)


def at_most(text: str, limit: int) -> str:
    """``text`` repeated to exactly ``limit`` characters."""
    return (text * (limit // len(text) + 1))[:limit]


# --- the rules themselves ----------------------------------------------------------------


def test_a_line_is_one_trimmed_line_without_control_characters():
    assert (
        textrules.clean_line("  North\tEast\r\n\x1b]0;x\x07\x1b[2J ICS  ")
        == "North East ]0;x[2J ICS"
    )
    assert textrules.clean_line("a\x00b\x7fc\x9bd") == "abcd"


def test_a_text_keeps_its_lines_and_tabs_and_drops_other_controls():
    assert (
        textrules.clean_text("one\r\ntwo\rthree\n\tfour\x1b[2J\x00") == "one\ntwo\nthree\n\tfour[2J"
    )


def test_an_unpaired_surrogate_becomes_a_replacement_character():
    assert textrules.clean_text("a\ud800b") == "a\ufffdb"


def test_too_long_is_refused_in_words_never_cut():
    with pytest.raises(textrules.TextRuleError) as caught:
        textrules.line("x" * 201, "organisation name")
    assert str(caught.value) == (
        "The organisation name is 201 characters long; at most 200 are allowed. "
        "Shorten it and try again."
    )
    with pytest.raises(textrules.TextRuleError, match="10,001 characters long"):
        textrules.text("x" * 10_001, "comment")
    assert textrules.line("x" * 200, "name") == "x" * 200
    assert textrules.text("x" * 10_000, "comment") == "x" * 10_000


def test_a_required_line_cannot_be_blank_after_cleaning():
    with pytest.raises(textrules.TextRuleError, match="cannot be empty"):
        textrules.line(" \x1b\t ", "round name", required=True)


# --- the store applies them ----------------------------------------------------------------


def test_the_store_cleans_names_and_comments(services, draft):
    store = services.store
    p = store.add_partnership("North\n\x1b[31mEast\x1b[0m", "ICS\t\x07")
    assert (p.name, p.ics_name) == ("North [31mEast[0m", "ICS")
    org = store.add_organisation(p.id, "  Council\x00 ", "upper_tier_council")
    assert org.name == "Council"
    answer = services.set_comment(draft.id, "gov-decisions-1", "line one\r\nline two\x1b[2J")
    assert answer.comment == "line one\nline two[2J"


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda s, p, a: s.add_partnership("x" * 201), "partnership name"),
        (lambda s, p, a: s.add_organisation(p.id, "x" * 201, "vcse"), "organisation name"),
        (lambda s, p, a: s.add_round(p.id, "x" * 201), "round name"),
        (lambda s, p, a: s.update_assessment(a.id, respondent_name="x" * 201), "respondent"),
        (lambda s, p, a: s.update_assessment(a.id, respondent_role="x" * 201), "role"),
        (lambda s, p, a: s.set_comment(a.id, "gov-decisions-1", "x" * 10_001), "comment"),
        (
            lambda s, p, a: s.add_action(
                partnership_id=p.id, round_id=a.round_id, description="x" * 10_001
            ),
            "description",
        ),
    ],
)
def test_the_store_refuses_what_is_too_long_and_changes_nothing(
    services, partnership_setup, draft, call, what
):
    store = services.store
    p, _, _ = partnership_setup
    before = "\n".join(store.db.conn.iterdump())
    with pytest.raises(InvalidTextError, match=f"{what}.*at most"):
        call(store, p, draft)
    assert "\n".join(store.db.conn.iterdump()) == before


# --- every way in and out agrees ------------------------------------------------------------


def test_the_largest_and_strangest_values_round_trip_and_report(tmp_path, services):
    """Store the longest and strangest values the rules allow through the store; export
    them, import them into an empty database, and show and report them there."""
    store = services.store
    name = at_most(STRANGE, textrules.LINE_MAX)
    comment = at_most(STRANGE + "\n\t", textrules.TEXT_MAX)
    p = store.add_partnership(name, name)
    rnd = store.add_round(p.id, name, name)
    org = store.add_organisation(p.id, name, "district_council")
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=org.id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name=name,
        respondent_role=name,
    )
    for item in services.questionnaire(a.questionnaire_id, a.questionnaire_version).items:
        services.answer(a.id, item.id, 3)
        services.set_comment(a.id, item.id, comment)
    store.add_action(
        partnership_id=p.id,
        round_id=rnd.id,
        description=comment,
        owner=name,
        due_on=name,
        organisation_id=org.id,
    )
    services.submit(a.id)
    # The spreadsheet way in: an online form's row with the same strange name and role.
    items = services.questionnaire(a.questionnaire_id, a.questionnaire_version).items
    sheet_path = tmp_path / "form.csv"
    with sheet_path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(
            [
                ["Name", "Organisation", "Role", *(i.statement for i in items)],
                [name, name, name, *(["4"] * len(items))],
            ]
        )
    sheet = services.read_responses(sheet_path)
    mapping = services.suggest_response_mapping(sheet, "governance")
    from_sheet = services.import_responses(sheet, mapping, rnd.id).created
    assert len(from_sheet) == 1
    assert services.detail(from_sheet[0]).assessment.respondent_name == name

    bundle = tmp_path / "strange.icsa"
    result = services.export_assessments([a.id, *from_sheet], bundle)
    assert result.notes == ()
    with Services.open(tmp_path / "other.sqlite", [FORMS_DIR]) as other:
        other.apply_import(other.plan_import(read_bundle(bundle)))
        for assessment_id in (a.id, *from_sheet):
            mine = json.dumps(detail_json(services.detail(assessment_id)), sort_keys=True)
            theirs = json.dumps(detail_json(other.detail(assessment_id)), sort_keys=True)
            assert theirs == mine
        written = other.report_assessment(a.id, tmp_path / "strange.pdf")
    text = "".join(page.extract_text() for page in PdfReader(written.path).pages)
    assert written.pages >= 3
    assert "Cyngor Sir Ŵŷ & <b>Łódź</b>" in text


def _legacy_database(path):
    """A database holding values stored before the rules held (written with sqlite3,
    around the store): a 32,767-character organisation name, a NUL in a respondent name
    and a 50,000-character comment."""
    with Services.open(path, [FORMS_DIR]) as services:
        store = services.store
        p = store.add_partnership("Legacy Partnership")
        rnd = store.add_round(p.id, "Baseline")
        org = store.add_organisation(p.id, "Placeholder", "vcse")
        a = services.start_assessment(
            round_id=rnd.id,
            organisation_id=org.id,
            questionnaire_id="governance",
            kind="organisation",
        )
        services.answer(a.id, "gov-decisions-2", 4)  # in both versions; this is the newest
        services.set_comment(a.id, "gov-decisions-2", "short")
        good = services.start_assessment(
            round_id=rnd.id,
            organisation_id=store.add_organisation(p.id, "Fine Trust", "nhs_trust").id,
            questionnaire_id="governance",
            kind="organisation",
        )
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE organisations SET name = ? WHERE id = ?", ("O" * 32_767, org.id))
        conn.execute("UPDATE assessments SET respondent_name = ? WHERE id = ?", ("A\x00B", a.id))
        conn.execute("UPDATE answers SET comment = ? WHERE assessment_id = ?", ("c" * 50_000, a.id))
    conn.close()
    return rnd, a, good


def test_a_legacy_record_never_blocks_the_export_of_its_round(tmp_path):
    path = tmp_path / "legacy.sqlite"
    rnd, legacy, good = _legacy_database(path)
    bundle = tmp_path / "round.icsa"
    with Services.open(path, [FORMS_DIR]) as services:
        result = services.export_assessments([], bundle, round_ids=[rnd.id])
    assert len(result.notes) == 2
    assert any(
        "organisation" in n and "32,767 characters, shortened to 200" in n for n in result.notes
    )
    assert any(
        "answer" in n and "gov-decisions-2" in n and "50,000 characters" in n for n in result.notes
    )
    with Services.open(tmp_path / "other.sqlite", [FORMS_DIR]) as other:
        other.apply_import(other.plan_import(read_bundle(bundle)))
        shown = other.detail(legacy.id)
        assert shown.assessment.respondent_name == "AB"
        assert shown.organisation.name == "O" * 199 + "…"
        assert shown.answers["gov-decisions-2"].comment == "c" * 9_999 + "…"
        assert other.detail(good.id).organisation.name == "Fine Trust"


def test_a_bundle_with_a_name_over_the_limit_is_refused_in_words(tmp_path, services, draft):
    bundle = tmp_path / "b.icsa"
    services.export_assessments([draft.id], bundle)
    with zipfile.ZipFile(bundle) as z:
        members = {name: z.read(name) for name in z.namelist()}
    records = json.loads(members["records.json"])
    records["organisations"][0]["name"] = "x" * 201
    members["records.json"] = dump_json(records)
    hostile = make_bundle(tmp_path / "long.icsa", members)
    with pytest.raises(BundleError, match="201 characters long; at most 200 are allowed"):
        read_bundle(hostile)


def test_the_command_line_export_names_what_it_shortened(tmp_path, capsys):
    from ics_assess.cli import main

    path = tmp_path / "legacy.sqlite"
    rnd, _, _ = _legacy_database(path)
    code = main(["export", "--round", rnd.id, "-o", str(tmp_path / "r.zip"), "--db", str(path)])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.startswith("Wrote 2 assessments")
    notes = [line for line in captured.err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2
    assert "32,767 characters, shortened to 200" in notes[0] + notes[1]
