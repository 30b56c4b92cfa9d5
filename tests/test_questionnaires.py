"""Questionnaire files: every shipped form is valid, and every kind of mistake a person
editing one in a text editor could make is reported with where it is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ics_assess import paths
from ics_assess.domain import DEFAULT_BANDS
from ics_assess.questionnaires import (
    QuestionnaireError,
    check_file,
    load_catalogue,
    parse_questionnaire,
    read_questionnaire_file,
    version_key,
)

from .conftest import FORMS_DIR

SHIPPED = sorted(p for p in FORMS_DIR.glob("*.toml") if p.name != "profile.toml")

VALID = textwrap.dedent(
    """
    # A small questionnaire for tests
    id = "tiny"
    version = "1.0"
    title = "Tiny"
    purpose = "For tests."

    [[scale]]
    value = 1
    label = "One"
    descriptor = "d1"
    [[scale]]
    value = 2
    label = "Two"
    descriptor = "d2"
    [[scale]]
    value = 3
    label = "Three"
    descriptor = "d3"
    [[scale]]
    value = 4
    label = "Four"
    descriptor = "d4"
    [[scale]]
    value = 5
    label = "Five"
    descriptor = "d5"

    [[sections]]
    id = "s1"
    title = "Section one"

    [[sections.items]]
    id = "s1-1"
    statement = "First statement."
    guidance = "What good looks like."

    [[sections.items]]
    id = "s1-2"
    statement = "Second statement."
    guidance = "What good looks like."
    weight = 2
    reverse = true
    """
)


def problems_of(text: str) -> list[str]:
    """The problem messages for a questionnaire text (empty when valid)."""
    try:
        parse_questionnaire(text, "test.toml")
    except QuestionnaireError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_shipped_forms_exist():
    assert {p.stem for p in SHIPPED} >= {
        "governance",
        "democratic-involvement",
        "equal-partnership",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_form_is_valid(path: Path):
    assert check_file(path) == []
    q = read_questionnaire_file(path).questionnaire
    # The issue asks for 4-6 sections of 4-6 statements each.
    assert 4 <= len(q.sections) <= 6
    for section in q.sections:
        assert 4 <= len(section.items) <= 6, section.id
        for item in section.items:
            assert item.statement and item.guidance and item.evidence
    assert [p.value for p in q.scale] == [1, 2, 3, 4, 5]
    # One file a version: governance.toml (1.0) beside governance-1.1.toml.
    assert path.stem in (q.id, f"{q.id}-{q.version}")


def test_item_ids_are_unique_across_shipped_forms():
    # Not required by the format, but it keeps exported spreadsheets unambiguous. The
    # versions of one questionnaire share the ids of the statements they keep.
    ids: dict[str, set[str]] = {}
    for p in SHIPPED:
        q = read_questionnaire_file(p).questionnaire
        items = [i.id for i in q.items]
        assert len(items) == len(set(items)), p.name
        ids.setdefault(q.id, set()).update(items)
    for qid, own in ids.items():
        for other, theirs in ids.items():
            assert other == qid or not own & theirs, (qid, other)


def test_valid_file_parses_with_weights_reverse_and_default_bands():
    q = parse_questionnaire(VALID)
    assert q.id == "tiny" and q.version == "1.0"
    assert q.bands == DEFAULT_BANDS
    second = q.item("s1-2")
    assert second.weight == 2.0 and second.reverse is True
    assert q.item("s1-1").weight == 1.0 and q.item("s1-1").reverse is False
    assert q.section_of("s1-2").id == "s1"
    assert q.scale_label(3) == "Three"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('id = "s1-2"', 'id = "s1-1"'), "section 's1', item 's1-1': this item id is already used"),
        (("weight = 2", "wieght = 2"), "item 's1-2': unknown key 'wieght'"),
        (("weight = 2", "weight = -1"), "item 's1-2': 'weight' must be a positive number"),
        (("weight = 2", "weight = true"), "item 's1-2': 'weight' must be a positive number"),
        (("weight = 2", 'weight = "heavy"'), "'weight' must be a positive number"),
        (("reverse = true", 'reverse = "yes"'), "'reverse' must be true or false"),
        (
            ('statement = "First statement."', 'statement = "  "'),
            "item 's1-1': 'statement' is empty",
        ),
        (('statement = "First statement."\n', ""), "item 's1-1': 'statement' is missing"),
        (('version = "1.0"\n', ""), "top level: 'version' is missing"),
        (('version = "1.0"', "version = 1.0"), "'version' must be text in quotes"),
        (('id = "tiny"', 'id = "has space"'), "may use only letters, digits"),
        (('title = "Section one"', 'title = ""'), "section 's1': 'title' is empty"),
        (("value = 5", "value = 6"), "exactly the points 1, 2, 3, 4, 5"),
        (
            ('purpose = "For tests."', 'purpose = "For tests."\ncolour = "red"'),
            "unknown key 'colour'",
        ),
    ],
)
def test_each_mistake_is_reported_with_its_place(change, expected):
    old, new = change
    assert old in VALID
    found = problems_of(VALID.replace(old, new, 1))
    assert any(expected in p for p in found), found
    assert all(p.startswith("test.toml") for p in found)


def test_every_problem_is_reported_not_just_the_first():
    text = VALID.replace("weight = 2", "wieght = 2").replace('version = "1.0"\n', "")
    text = text.replace('id = "s1-2"', 'id = "s1-1"')
    found = problems_of(text)
    assert len(found) >= 3


def test_toml_syntax_error_names_the_line():
    found = problems_of(VALID.replace('title = "Tiny"', 'title = "Tiny'))
    assert len(found) == 1
    assert "not valid TOML" in found[0] and "line" in found[0]


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (
            '[[bands]]\nname = "Low"\nbelow = 60\n[[bands]]\nname = "Mid"\nbelow = 40\n'
            '[[bands]]\nname = "High"\n',
            "must be higher than the band before it",
        ),
        (
            '[[bands]]\nname = "Low"\nbelow = 50\n[[bands]]\nname = "High"\nbelow = 90\n',
            "the last band must not have 'below'",
        ),
        ('[[bands]]\nname = "Low"\n[[bands]]\nname = "High"\n', "'below' is missing"),
        ('[[bands]]\nname = "Low"\nbelow = 150\n[[bands]]\nname = "High"\n', "between 0 and 100"),
        ('[[bands]]\nname = "All"\n', "at least two bands"),
        ('[[bands]]\nname = "Same"\nbelow = 50\n[[bands]]\nname = "same"\n', "used twice"),
    ],
)
def test_band_mistakes(bands, expected):
    text = VALID.replace("[[sections]]", bands + "\n[[sections]]", 1)
    found = problems_of(text)
    assert any(expected in p for p in found), found


def test_custom_bands_are_read():
    bands = '[[bands]]\nname = "Low"\nbelow = 50\n[[bands]]\nname = "High"\n'
    q = parse_questionnaire(VALID.replace("[[sections]]", bands + "\n[[sections]]", 1))
    assert [(b.name, b.below) for b in q.bands] == [("Low", 50.0), ("High", None)]


def test_a_section_with_no_items_is_reported():
    text = VALID + '\n[[sections]]\nid = "empty"\ntitle = "Empty"\n'
    assert any("section 'empty': has no items" in p for p in problems_of(text))


def test_file_that_is_not_utf8_or_too_big(tmp_path):
    latin = tmp_path / "latin.toml"
    latin.write_bytes(VALID.replace("Tiny", "Tiny caf\xe9").encode("latin-1"))
    assert "not UTF-8" in str(check_file(latin)[0])
    big = tmp_path / "big.toml"
    big.write_text(VALID + "#" * 1_100_000)
    assert "limit is 1 MB" in str(check_file(big)[0])


def test_catalogue_skips_a_broken_file_with_a_warning_and_keeps_the_rest(tmp_path):
    (tmp_path / "good.toml").write_text(VALID)
    (tmp_path / "broken.toml").write_text(VALID.replace("weight = 2", "weight = 0"))
    catalogue = load_catalogue([tmp_path])
    assert list(catalogue.entries) == [("tiny", "1.0")]
    assert len(catalogue.warnings) == 1
    assert "broken.toml" in catalogue.warnings[0] and "'weight'" in catalogue.warnings[0]


def test_user_forms_folder_adds_questionnaires_and_keeps_versions_apart(tmp_path):
    user_forms = paths.user_forms_dir()
    user_forms.mkdir(parents=True)
    (user_forms / "tiny.toml").write_text(VALID)
    (user_forms / "tiny-2.toml").write_text(VALID.replace('version = "1.0"', 'version = "1.10"'))
    (user_forms / "tiny-copy.toml").write_text(VALID)  # same id and version: skipped
    catalogue = load_catalogue(paths.forms_dirs())
    assert ("governance", "1.0") in catalogue.entries
    assert catalogue.latest("tiny").questionnaire.version == "1.10"
    assert catalogue.get("tiny", "1.0") is not None
    assert any("tiny-copy.toml" in w and "already loaded" in w for w in catalogue.warnings)
    titles = [e.questionnaire.title for e in catalogue.all_latest()]
    assert titles == sorted(titles, key=str.lower)


def test_missing_folders_are_ignored(tmp_path):
    assert load_catalogue([tmp_path / "nope"]).entries == {}


def test_version_ordering_is_numeric():
    assert version_key("1.10") > version_key("1.9") > version_key("1.0")
    assert version_key("2026.1") > version_key("2.0")
