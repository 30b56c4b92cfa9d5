"""Version 1.1 of the three questionnaires (issue 13), beside 1.0, and what the format
gained for it: band descriptors and ``replaces``.

1.0 stays byte for byte: every answer given on it is scored by it (the database keeps a
copy, but a database that never stored one, or an exchange file, reads the shipped file).
"""

from __future__ import annotations

import hashlib
import textwrap

import pytest

from ics_assess import paths
from ics_assess.comparison import changed_items
from ics_assess.domain import DEFAULT_BANDS, Band
from ics_assess.questionnaires import (
    QuestionnaireError,
    check_file,
    load_catalogue,
    parse_questionnaire,
    read_questionnaire_file,
)

from .test_cli import run

FORMS_DIR = paths.builtin_forms_dir()
IDS = ("governance", "democratic-involvement", "equal-partnership")

# The 1.0 files as shipped: answers given on them depend on every byte.
SHA256_1_0 = {
    "governance.toml": "21770fd66dcf2e67bc5855072f4b80abbba7d37445c8c5d85c3f91c0c6723bd5",
    "democratic-involvement.toml": (
        "808cdc42595baf823b0902b501ee7060026b4b6794517755d674c5f87f6fedc4"
    ),
    "equal-partnership.toml": "52e241413ea098a563192f05de99e6ec910ff271612fe63038f1eddd573d69f1",
}


def _pair(qid: str):
    old = read_questionnaire_file(FORMS_DIR / f"{qid}.toml").questionnaire
    new = read_questionnaire_file(FORMS_DIR / f"{qid}-1.1.toml").questionnaire
    return old, new


@pytest.mark.parametrize("name", sorted(SHA256_1_0))
def test_the_1_0_files_are_unchanged(name):
    digest = hashlib.sha256((FORMS_DIR / name).read_bytes()).hexdigest()
    assert digest == SHA256_1_0[name], f"{name} changed: answers on 1.0 depend on it"


@pytest.mark.parametrize("qid", IDS)
def test_each_1_1_file_passes_forms_check(qid, capsys):
    path = FORMS_DIR / f"{qid}-1.1.toml"
    assert check_file(path) == []
    code, out, err = run(capsys, "forms", "check", path)
    assert (code, err) == (0, "")
    assert out.strip().endswith("OK")


def test_the_catalogue_holds_both_versions_and_starts_new_work_on_1_1():
    catalogue = load_catalogue([FORMS_DIR])
    assert catalogue.warnings == []
    for qid in IDS:
        assert catalogue.get(qid, "1.0") is not None
        assert catalogue.get(qid, "1.1") is not None
        assert catalogue.latest(qid).questionnaire.version == "1.1"
    assert [e.questionnaire.version for e in catalogue.all_latest()] == ["1.1"] * 3


@pytest.mark.parametrize("qid", IDS)
def test_an_id_is_kept_only_for_a_statement_that_reads_and_scores_the_same(qid):
    old, new = _pair(qid)
    old_items = {i.id: i for i in old.items}
    replaced = {r for item in new.items for r in item.replaces}
    for item in new.items:
        if item.id in old_items:
            was = old_items[item.id]
            assert (item.statement, item.weight, item.reverse) == (
                was.statement,
                was.weight,
                was.reverse,
            ), item.id
            assert not item.replaces, item.id
    # Every 1.0 statement is either kept or replaced: nothing is dropped unsaid.
    assert set(old_items) <= {i.id for i in new.items} | replaced
    # What replaces names is a 1.0 statement that 1.1 no longer has.
    assert replaced <= set(old_items) - {i.id for i in new.items}
    # So the statements a comparison across the versions names are exactly the new ids.
    assert set(changed_items(new, [old])) == {i.id for i in new.items} - set(old_items)
    assert old.sections[0].id == new.sections[0].id


@pytest.mark.parametrize("qid", IDS)
def test_1_1_has_no_reverse_statements_and_every_weight_says_why(qid):
    _, new = _pair(qid)
    assert [i.id for i in new.items if i.reverse] == []
    for item in new.items:
        if item.weight != 1:
            assert f"weighs {item.weight:g} because" in item.guidance, item.id
    # No frequency words fighting the scale, which is itself about how often.
    for item in new.items:
        words = set(item.statement.lower().replace(",", " ").replace(".", " ").split())
        assert not words & {"often", "usually", "regularly"}, item.id


@pytest.mark.parametrize("qid", IDS)
def test_1_1_describes_every_band(qid):
    old, new = _pair(qid)
    assert old.bands == DEFAULT_BANDS and all(not b.descriptor for b in old.bands)
    # The usual names and cut-offs, so bands read the same across the versions.
    assert new.bands == DEFAULT_BANDS
    for band in new.bands:
        assert 60 <= len(band.descriptor) <= 220, band.name
    assert len({b.descriptor for b in new.bands}) == 4


def test_the_statements_1_0_handled_badly_are_put_right():
    gov, dem, eq = (_pair(qid) for qid in IDS)
    new_ids = {
        qid: {i.id for i in pair[1].items} for qid, pair in zip(IDS, (gov, dem, eq), strict=True)
    }
    # Six reverse statements, none left.
    for old_id in ("gov-decisions-5", "gov-structures-5", "dem-members-6", "dem-scrutiny-6"):
        assert old_id not in new_ids["governance"] | new_ids["democratic-involvement"]
    assert not {"eq-agenda-4", "eq-culture-1"} & new_ids["equal-partnership"]
    # Yes/no facts: the prevention target is a profile fact now, the others practice.
    assert not {"gov-review-1", "gov-decisions-3", "gov-disputes-1"} & new_ids["governance"]
    assert "eq-prevention-2" not in new_ids["equal-partnership"]
    # Judging what others know, and two questions in one, ask about "our organisation".
    eq_new = eq[1]
    assert [i.id for i in eq_new.items if "eq-culture-5" in i.replaces] == [
        "eq-culture-7",
        "eq-culture-8",
    ]
    for item_id in ("eq-agenda-5", "eq-culture-7", "eq-culture-8"):
        assert eq_new.item(item_id).statement.startswith("Our organisation")
    assert gov[1].item("gov-decisions-6").statement.startswith("Our organisation")
    # Three boards in one statement: one statement per board.
    assert [i.id for i in dem[1].items if "dem-voice-1" in i.replaces] == [
        "dem-voice-6",
        "dem-voice-7",
    ]


@pytest.mark.parametrize(
    ("qid", "words"),
    [
        ("equal-partnership", "allocated respond to the gap between demand and funding"),
        ("equal-partnership", "delegated healthcare tasks"),
        ("equal-partnership", "invest in public services, local businesses"),
        ("equal-partnership", "key principles for social care"),
        ("equal-partnership", "Care providers, through a body that represents them"),
        ("governance", "Each place partnership is led by someone"),
        ("governance", "elected leadership of its council"),
        ("governance", "suspends or withdraws its part in the partnership"),
        ("governance", "receives a written answer to each reason"),
        ("democratic-involvement", "one personal budget"),
        ("democratic-involvement", "in control of their own care"),
    ],
)
def test_the_themes_1_0_missed_are_asked_about(qid, words):
    _, new = _pair(qid)
    assert any(words in item.statement for item in new.items), words


def test_the_facts_moved_out_of_the_statements_are_profile_facts():
    from ics_assess.profile import load_profile

    ids = {f.id for f in load_profile([FORMS_DIR]).facts}
    assert {"prevention_target_points", "local_sme_contract_share"} <= ids


# --- the format: band descriptors ---------------------------------------------------------

TINY = textwrap.dedent(
    """
    id = "tiny"
    version = "1.1"
    title = "Tiny"
    purpose = "Testing."
    {scale}
    {bands}
    [[sections]]
    id = "s"
    title = "S"
    [[sections.items]]
    id = "s-2"
    statement = "A."
    guidance = "G."
    {item}
    """
)
SCALE = "\n".join(
    f'[[scale]]\nvalue = {v}\nlabel = "L{v}"\ndescriptor = "D{v}"' for v in range(1, 6)
)


def tiny(bands: str = "", item: str = "") -> str:
    return TINY.format(scale=SCALE, bands=bands, item=item)


def problems(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(text, "t.toml")
    return [str(p) for p in caught.value.problems]


BANDS = """
[[bands]]
name = "Low"
below = 50
descriptor = "Little of it yet."
[[bands]]
name = "High"
descriptor = "Most of it, shown."
"""


def test_band_descriptors_are_read_and_do_not_change_what_a_band_is():
    q = parse_questionnaire(tiny(BANDS), "t.toml")
    assert [(b.name, b.below, b.descriptor) for b in q.bands] == [
        ("Low", 50.0, "Little of it yet."),
        ("High", None, "Most of it, shown."),
    ]
    # Words for people: a band is its name and cut-off.
    assert q.bands[0] == Band("Low", 50.0)
    assert DEFAULT_BANDS[0].descriptor == ""


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (
            BANDS.replace('descriptor = "Most of it, shown."', ""),
            "t.toml: band 'High': 'descriptor' is missing (when one band has a descriptor, "
            "every band needs one)",
        ),
        (
            BANDS.replace('"Little of it yet."', '"  "'),
            "t.toml: band 'Low': 'descriptor' is empty",
        ),
        (
            BANDS.replace('"Little of it yet."', "3"),
            "t.toml: band 'Low': 'descriptor' must be text in quotes, not a number",
        ),
        (
            BANDS.replace("descriptor =", "descripton =", 1),
            "t.toml: band 1: unknown key 'descripton' (expected one of: below, descriptor, name)",
        ),
    ],
)
def test_a_band_descriptor_problem_is_one_sentence_naming_the_band(bands, expected):
    assert expected in problems(tiny(bands))


# --- the format: replaces -----------------------------------------------------------------


def test_replaces_names_earlier_statements():
    q = parse_questionnaire(tiny(item='replaces = ["s-1", "old.3"]'), "t.toml")
    assert q.item("s-2").replaces == ("s-1", "old.3")
    assert parse_questionnaire(tiny(), "t.toml").item("s-2").replaces == ()


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            'replaces = "s-1"',
            "t.toml: section 's', item 's-2': 'replaces' must be a list of the ids of the "
            "statements this one replaces, e.g. replaces = [\"gov-decisions-1\"], not 's-1'",
        ),
        ("replaces = []", "not an empty list"),
        (
            'replaces = ["s 1"]',
            "t.toml: section 's', item 's-2': 'replaces' holds 's 1', which is not a "
            "statement id (letters, digits, '-', '_' and '.', at most 80 characters)",
        ),
        ("replaces = [3]", "'replaces' holds 3, which is not a statement id"),
        (
            'replaces = ["s-1", "s-1"]',
            "t.toml: section 's', item 's-2': 'replaces' names 's-1' twice",
        ),
        (
            'replaces = ["s-2"]',
            "t.toml: section 's', item 's-2': 'replaces' names 's-2', which is still a "
            "statement of this file (a statement that is replaced does not keep its id)",
        ),
    ],
)
def test_a_replaces_problem_is_one_sentence_naming_the_statement(item, expected):
    found = problems(tiny(item=item))
    assert any(expected in p for p in found), found
    assert all("\n" not in p for p in found)


def test_forms_check_lists_every_new_problem_with_where_it_is(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(
        tiny(
            BANDS.replace('descriptor = "Most of it, shown."', ""),
            'replaces = ["s-2", "s-2"]',
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "forms", "check", path)
    assert code == 1
    lines = (out + err).strip().splitlines()
    assert any("band 'High': 'descriptor' is missing" in line for line in lines)
    assert any("item 's-2': 'replaces' names 's-2' twice" in line for line in lines)
    assert any("'replaces' names 's-2', which is still a statement" in line for line in lines)


def test_a_section_whose_items_are_an_empty_list_is_refused():
    """Found while testing 1.1: ``items = []`` once passed, and the database then refused
    to store a questionnaire of no statements."""
    text = tiny().replace(
        '[[sections.items]]\nid = "s-2"\nstatement = "A."\nguidance = "G."\n', "items = []\n"
    )
    assert problems(text) == ["t.toml: section 's': has no items ([[sections.items]])"]
