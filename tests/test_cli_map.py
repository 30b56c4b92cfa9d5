"""`ics-assess responses --map MAP.json` with a mapping file of the wrong shape
(docs/spreadsheets.md, the mapping file): refused with exit 1 in one sentence that names
the key, never a traceback; any JSON at all gives exit 0 or 1 and at most one line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_cli import assert_one_line_error, run


@pytest.fixture
def setup(services, partnership_setup, db_path, tmp_path) -> tuple[list[object], Path]:
    """The responses command over a one-row sheet, and where to write the map."""
    q = services.latest_questionnaire("governance").questionnaire
    sheet = tmp_path / "responses.csv"
    sheet.write_text(f"Organisation,{q.items[0].id}\nTest ICB,5\n", encoding="utf-8")
    args = ["responses", sheet, "--questionnaire", "governance", "--round", "Baseline"]
    args += ["--organisation-column", "Organisation", "--dry-run", "--db", db_path]
    return args, tmp_path / "map.json"


def good_map() -> dict:
    return {
        "questionnaire": "governance",
        "organisation": "Organisation",
        "respondent": "",
        "role": "",
        "columns": {"gov-decisions-6": "gov-decisions-6"},  # 1.1's first, as in the sheet
        "words": {"mostly true": "4", "skip": "", "5": 5, "none": None},
    }


def deep(n: int) -> object:
    value: object = "x"
    for _ in range(n):
        value = [value]
    return value


HUGE = "x" * 200_000

WRONG = [
    ([], None, "holds a list; a mapping file holds one JSON object"),
    (5, None, "holds a number"),
    (None, None, "holds null"),
    ("text", None, "holds text"),
    ({**good_map(), "colums": {}}, "colums", "which a mapping file does not have"),
    ({**good_map(), "organisation": ["Organisation"]}, "organisation", "gives a list for"),
    ({**good_map(), "respondent": 7}, "respondent", "gives a number for"),
    ({**good_map(), "role": None}, "role", "gives null for"),
    ({**good_map(), "role": {"a": 1}}, "role", "gives an object for"),
    ({**good_map(), "questionnaire": ["governance"]}, "questionnaire", "gives a list for"),
    ({**good_map(), "questionnaire": "equal-partnership"}, "questionnaire", "is for the"),
    ({**good_map(), "columns": ["a", "b"]}, "columns", "gives a list for"),
    ({**good_map(), "columns": None}, "columns", "gives null for"),
    ({**good_map(), "words": "4"}, "words", "gives text for"),
    ({**good_map(), "columns": {"Q1": ["gov-decisions-1"]}}, "Q1", "gives a list for"),
    ({**good_map(), "columns": {"Q1": {"id": "x"}}}, "Q1", "gives an object for"),
    ({**good_map(), "columns": {"Q1": 3}}, "Q1", "gives a number for"),
    ({**good_map(), "columns": {"Q1": None}}, "Q1", "gives null for"),
    ({**good_map(), "columns": {"Q1": deep(200)}}, "Q1", "gives a list for"),
    ({**good_map(), "columns": {"Q1": "no-such-item"}}, "Q1", "does not have"),
    ({**good_map(), "columns": {HUGE: "no-such-item"}}, "xxxx", "does not have"),
    ({**good_map(), "columns": {"Q1": HUGE}}, "Q1", "does not have"),
    ({**good_map(), "words": {"maybe": ["3"]}}, "maybe", "gives a list for"),
    ({**good_map(), "words": {"maybe": {"v": 3}}}, "maybe", "gives an object for"),
    ({**good_map(), "words": {"maybe": True}}, "maybe", "gives true or false for"),
    ({**good_map(), "words": {"maybe": 2.5}}, "maybe", "gives a number for"),
    ({**good_map(), "words": {"maybe": 9}}, "9", "is not a rating"),
    ({**good_map(), "words": {"maybe": HUGE}}, "xxxx", "is not a rating"),
    ({**good_map(), "words": {HUGE: []}}, "xxxx", "gives a list for"),
    ({**good_map(), "role": "\x1b]0;pwned\x07\nx"}, None, None),  # text: fine as a shape
    (deep(100_000), None, "not JSON text"),
]


@pytest.mark.parametrize(("data", "key", "words"), WRONG)
def test_a_map_of_the_wrong_shape_is_refused_in_one_line(capsys, setup, data, key, words):
    args, path = setup
    text = "[" * 100_000 + "]" * 100_000 if data is WRONG[-1][0] else json.dumps(data)
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, *args, "--map", path)
    if words is None:
        assert code in (0, 1), err
        if code:
            assert "\x1b" not in assert_one_line_error(err)
        return
    assert code == 1, out
    line = assert_one_line_error(err)
    assert words in line
    if key is not None:
        assert f"'{key}" in line
    assert len(line) < 400


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"columns": {}, "columns": {}}', "gives the key 'columns' twice"),
        ('{"words": {"a": "1", "a": "2"}}', "gives the key 'a' twice"),
        ('{"words": {"a": NaN}}', "is not JSON text"),
        ('{"words": {"a": Infinity}}', "is not JSON text"),
    ],
)
def test_repeated_keys_and_non_json_numbers_are_refused(capsys, setup, text, words):
    args, path = setup
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, *args, "--map", path)
    assert code == 1
    assert words in assert_one_line_error(err)


def test_a_good_map_still_works(capsys, setup):
    args, path = setup
    path.write_text(json.dumps(good_map()), encoding="utf-8")
    code, out, err = run(capsys, *args, "--map", path)
    assert code == 0, err
    assert "Dry run: nothing was imported." in out


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["questionnaire", "organisation", "respondent", "role", "columns", "words", "other"]
)


@settings(
    # ICS_ASSESS_FUZZ_EXAMPLES=2000 runs a deeper search (docs/reliability.md).
    max_examples=int(os.environ.get("ICS_ASSESS_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    document=JSON
    | st.dictionaries(KEYS, JSON, max_size=6)
    | st.builds(lambda c: {"columns": c}, st.dictionaries(st.text(), JSON, max_size=3))
    | st.builds(lambda w: {"words": w}, st.dictionaries(st.text(), JSON, max_size=3))
)
def test_any_json_gives_exit_0_or_1_and_at_most_one_line(capsys, setup, document):
    args, path = setup
    path.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = run(capsys, *args, "--map", path)
    assert code in (0, 1), err
    assert "Traceback" not in err
    if code == 1:
        assert_one_line_error(err)
