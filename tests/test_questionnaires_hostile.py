"""Nothing a questionnaire file contains can crash the program (issue 8).

Deep nesting, numbers no float holds, weights of 1e308, odd characters anywhere: a file is
either a questionnaire or a list of problems, one line each. A file in the forms folder
that cannot be used is skipped with a one-line warning, so `list`, `forms list` and the
window always start. A questionnaire stored with answers before weights were limited is
still shown, scored and reported.

The property tests generate questionnaires (hostile ones and valid ones with extreme but
allowed values) and run each through `forms check`, and those that load through a real
database: answered, submitted, scored, `show` and `report`.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import stat
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ics_assess import paths
from ics_assess.cli import main
from ics_assess.domain import SCALE_MAX, SCALE_MIN, Unrated
from ics_assess.questionnaires import (
    MAX_NESTING,
    MAX_WEIGHT,
    QuestionnaireError,
    check_file,
    load_catalogue,
    parse_questionnaire,
)
from ics_assess.services import Services

from .test_questionnaires import VALID

# --- helpers ----------------------------------------------------------------------------


def cli(*argv: object) -> tuple[int, str, str]:
    """Run one command in-process: (exit code, stdout, stderr). Works inside hypothesis
    examples, where pytest's capsys (a function-scoped fixture) cannot be used."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse's own exits
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def assert_problem_lines(path: Path, code: int, out: str, err: str) -> list[str]:
    """`forms check` said OK, or gave one line per problem and one summary line; never a
    traceback. Returns the problem lines."""
    assert code in (0, 1), (code, err)
    assert "Traceback" not in out + err
    if code == 0:
        assert out == f"{path}: OK\n"
        assert err == ""
        return []
    problems = check_file(path)
    lines = err.splitlines()
    assert len(lines) == len(problems) + 1, err
    assert all(line.startswith(f"{path}: ") for line in lines), err
    assert lines[-1].endswith("the questionnaire cannot be used.")
    assert [str(p) for p in problems] == lines[:-1]
    return lines[:-1]


def deep_array(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def deep_table(depth: int) -> str:
    return "{a = " * depth + "1" + "}" * depth


DEEP_FILES = {
    "arrays": "a = " + "[" * 500 + "]" * 500 + "\n",
    "inline-tables": "a = " + deep_table(400) + "\n",
    "in-a-weight": VALID.replace("weight = 2", "weight = " + deep_array(300)),
    "dotted-key": "a" + ".a" * 5_000 + " = 1\n",
    "dotted-header": "[a" + ".a" * 5_000 + "]\n",
}


def write_user_form(name: str, text: str) -> Path:
    folder = paths.user_forms_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- deep nesting: one sentence, never a traceback --------------------------------------


@pytest.mark.parametrize("name", sorted(DEEP_FILES))
def test_a_deeply_nested_file_is_one_sentence_from_forms_check(tmp_path, name):
    path = tmp_path / f"{name}.toml"
    path.write_text(DEEP_FILES[name], encoding="utf-8")
    assert path.stat().st_size < 12_000
    code, out, err = cli("forms", "check", path)
    assert code == 1
    (line,) = assert_problem_lines(path, code, out, err)
    assert "nested too deeply" in line or "dotted key of more than" in line, line


@pytest.mark.parametrize("name", sorted(DEEP_FILES))
def test_parse_questionnaire_refuses_deep_nesting_with_a_questionnaire_error(name):
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(DEEP_FILES[name], "stored")
    assert len(caught.value.problems) == 1


def test_nesting_up_to_the_limit_is_parsed_and_past_it_refused():
    # Brackets inside strings and comments do not count.
    quiet = '# [[[[[[[[[[\nnote = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n'
    at_limit = quiet + "a = " + deep_array(MAX_NESTING) + "\n"
    past_limit = quiet + "a = " + deep_array(MAX_NESTING + 1) + "\n"
    with pytest.raises(QuestionnaireError) as at:
        parse_questionnaire(at_limit)
    assert "unknown key 'a'" in str(at.value)
    with pytest.raises(QuestionnaireError, match="nested too deeply"):
        parse_questionnaire(past_limit)


def test_a_questionnaire_written_as_inline_tables_is_still_fine():
    text = textwrap.dedent(
        """
        id = "inline"
        version = "1"
        title = "Inline"
        purpose = "All in one."
        scale = [
          {value = 1, label = "a", descriptor = "a"},
          {value = 2, label = "b", descriptor = "b"},
          {value = 3, label = "c", descriptor = "c"},
          {value = 4, label = "d", descriptor = "d"},
          {value = 5, label = "e", descriptor = "e"},
        ]
        sections = [{id="s", title="S", items=[{id="i", statement="x", guidance="y", weight=10}]}]
        """
    )
    assert parse_questionnaire(text).item("i").weight == 10.0


@pytest.mark.parametrize(
    "text",
    [
        "a = 1" + "0" * 5_000,  # Python refuses to read an int of more than 4,300 digits
        'title = "\ud800"',  # an unpaired surrogate (only possible in text, not a file)
        "a = '''" + "[" * 10_000 + "'''",
        '"""' + '\\"' * 10_000,
        "x = \x00",
        "\ufeff\u202e[[sections]]",
        "version = 1" + "0" * 400,
        "[[scale]]\nvalue = 1" + "0" * 400,
        "[[bands]]\nname='a'\nbelow=1" + "0" * 400 + "\n[[bands]]\nname='b'",
        "",
        " ",
    ],
)
def test_parse_questionnaire_raises_only_questionnaire_error(text):
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(text, "stored")
    for problem in caught.value.problems:
        assert len(str(problem).splitlines()) == 1


def test_list_and_forms_list_work_with_a_deep_file_in_the_forms_folder(tmp_path):
    write_user_form("deep.toml", DEEP_FILES["arrays"])
    write_user_form("deep-tables.toml", DEEP_FILES["inline-tables"])
    db = tmp_path / "db.sqlite"
    with Services.open(db) as services:
        assert {qid for qid, _ in services.catalogue.entries} >= {"governance"}
        assert len(services.catalogue.warnings) == 2

    code, out, err = cli("--db", db, "list")
    assert code == 0, err
    warnings = err.splitlines()
    assert len(warnings) == 2
    assert all(w.startswith("warning: Skipped questionnaire deep") for w in warnings)
    assert all("nested too deeply" in w for w in warnings)

    code, out, err = cli("forms", "list", "--json")
    assert code == 0, err
    assert {row["id"] for row in json.loads(out)} >= {
        "governance",
        "democratic-involvement",
        "equal-partnership",
    }
    assert len(err.splitlines()) == 2 and "Traceback" not in err


def test_the_window_starts_with_a_deep_file_in_the_forms_folder(qtbot, fake_dialogs):
    from ics_assess.ui.main_window import MainWindow

    write_user_form("deep.toml", DEEP_FILES["arrays"])
    win = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(win)
    assert win.open_initial_database()
    win.show()
    try:
        assert win.services is not None
        assert win.services.catalogue.latest("governance") is not None
        (warning,) = fake_dialogs.messages("warn")
        assert "deep.toml" in warning and "nested too deeply" in warning
    finally:
        win.close()


# --- every problem with one file is a skip, never a stop --------------------------------


def test_the_catalogue_skips_any_file_it_cannot_read_and_keeps_the_rest(tmp_path):
    (tmp_path / "good.toml").write_text(VALID)
    (tmp_path / "a-folder.toml").mkdir()
    (tmp_path / "latin.toml").write_bytes("title = 'caf\xe9'".encode("latin-1"))
    (tmp_path / "deep.toml").write_text(DEEP_FILES["arrays"])
    (tmp_path / "huge-int.toml").write_text("a = 1" + "0" * 5_000)
    (tmp_path / "heavy.toml").write_text(VALID.replace("weight = 2", "weight = 1e308"))
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.toml")  # reading it would block forever
    catalogue = load_catalogue([tmp_path])
    assert list(catalogue.entries) == [("tiny", "1.0")]
    skipped = {w.split(":")[0].removeprefix("Skipped questionnaire ") for w in catalogue.warnings}
    expected = {"a-folder.toml", "latin.toml", "deep.toml", "huge-int.toml", "heavy.toml"}
    if hasattr(os, "mkfifo"):
        expected.add("pipe.toml")
    assert skipped == expected
    assert all(len(w.splitlines()) == 1 for w in catalogue.warnings)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_the_catalogue_skips_a_file_it_may_not_read(tmp_path):
    (tmp_path / "good.toml").write_text(VALID)
    secret = tmp_path / "secret.toml"
    secret.write_text(VALID.replace('version = "1.0"', 'version = "2.0"'))
    secret.chmod(0)
    try:
        catalogue = load_catalogue([tmp_path])
    finally:
        secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert list(catalogue.entries) == [("tiny", "1.0")]
    (warning,) = catalogue.warnings
    assert "secret.toml" in warning and "cannot be read" in warning


@pytest.mark.parametrize(
    "error",
    [RecursionError(), MemoryError(), UnicodeError("bad"), PermissionError(13, "Denied"), KeyError],
)
def test_the_catalogue_survives_any_exception_from_one_file(tmp_path, monkeypatch, error):
    from ics_assess import questionnaires

    (tmp_path / "a.toml").write_text(VALID.replace('version = "1.0"', 'version = "0.9"'))
    (tmp_path / "b.toml").write_text(VALID)
    real = questionnaires.read_questionnaire_file

    def flaky(path: Path):
        if path.name == "a.toml":
            raise error
        return real(path)

    monkeypatch.setattr(questionnaires, "read_questionnaire_file", flaky)
    catalogue = load_catalogue([tmp_path])
    assert list(catalogue.entries) == [("tiny", "1.0")]
    (warning,) = catalogue.warnings
    assert warning.startswith("Skipped questionnaire a.toml: it cannot be read (")


def test_a_forms_folder_that_cannot_be_listed_is_skipped(tmp_path, monkeypatch):
    good = tmp_path / "good"
    good.mkdir()
    (good / "tiny.toml").write_text(VALID)
    bad = tmp_path / "bad"
    bad.mkdir()
    real_glob = Path.glob

    def glob(self, pattern):
        if self == bad:
            raise PermissionError(13, "Permission denied")
        return real_glob(self, pattern)

    monkeypatch.setattr(Path, "glob", glob)
    catalogue = load_catalogue([bad, good])
    assert list(catalogue.entries) == [("tiny", "1.0")]
    (warning,) = catalogue.warnings
    assert "Permission denied" in warning


# --- numbers: finite and in range, one sentence each ------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("weight = 2", "weight = 1e308", "'weight' must be a positive number no more than 10"),
        ("weight = 2", "weight = 10.000001", "no more than 10, not 10.000001"),
        ("weight = 2", "weight = 11", "no more than 10, not 11"),
        ("weight = 2", "weight = inf", "'weight' must be a positive number, not inf"),
        ("weight = 2", "weight = nan", "'weight' must be a positive number, not nan"),
        ("weight = 2", "weight = -0.0", "'weight' must be a positive number, not -0.0"),
        ("weight = 2", "weight = 1" + "0" * 400, "not a number too large to use"),
        ("weight = 2", "weight = [1]", "'weight' must be a positive number, not a list"),
        ("weight = 2", "weight = 1979-05-27", "'weight' must be a positive number, not"),
        ("value = 5", "value = 5.0", "'value' must be a whole number from 1 to 5, not 5.0"),
        ("value = 5", "value = inf", "'value' must be a whole number from 1 to 5, not inf"),
        ("value = 5", "value = 1" + "0" * 30, "exactly the points 1, 2, 3, 4, 5"),
    ],
)
def test_numbers_out_of_range_are_one_sentence(tmp_path, old, new, expected):
    path = tmp_path / "q.toml"
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    code, out, err = cli("forms", "check", path)
    assert code == 1
    lines = assert_problem_lines(path, code, out, err)
    assert len(lines) == 1, lines
    assert expected in lines[0], lines


@pytest.mark.parametrize("below", ["inf", "nan", "-inf", "1e400", "1" + "0" * 400, "100", "0"])
def test_band_cut_offs_must_be_finite_and_inside_0_to_100(tmp_path, below):
    bands = f'[[bands]]\nname = "Low"\nbelow = {below}\n[[bands]]\nname = "High"\n'
    path = tmp_path / "q.toml"
    path.write_text(VALID.replace("[[sections]]", bands + "\n[[sections]]", 1))
    code, out, err = cli("forms", "check", path)
    (line,) = assert_problem_lines(path, code, out, err)
    assert "band 'Low': 'below' must be a number between 0 and 100, not " in line


@pytest.mark.parametrize("weight", ["10", "10.0", "0.001", "1e-308", "5e-324"])
def test_weights_above_0_up_to_10_are_accepted(tmp_path, weight):
    path = tmp_path / "q.toml"
    path.write_text(VALID.replace("weight = 2", f"weight = {weight}"))
    assert cli("forms", "check", path)[0] == 0
    assert MAX_WEIGHT == 10


def test_values_quoted_in_problems_are_short_and_on_one_line(tmp_path):
    odd = "line one\\nline two\\u2028\\u202e" + "x" * 5_000
    path = tmp_path / "q.toml"
    path.write_text(
        VALID.replace('id = "tiny"', f'id = "{odd}"').replace("weight = 2", f'"{odd}" = 2')
    )
    code, out, err = cli("forms", "check", path)
    lines = assert_problem_lines(path, code, out, err)
    assert len(lines) == 2
    assert all(len(line) < 400 for line in lines), lines
    assert "\\n" in lines[0] and "\\u2028" in lines[0] and "\\u202e" in lines[0]


# --- a questionnaire stored before weights were limited ---------------------------------

LEGACY = VALID.replace('version = "1.0"', 'version = "0.1-legacy"').replace(
    "weight = 2", "weight = 1e308"
).replace(
    'guidance = "What good looks like."\n\n',
    'guidance = "What good looks like."\nweight = 1e-308\n\n',
    1,
) + textwrap.dedent(
    """
        [[sections]]
        id = "s2"
        title = "Section two"

        [[sections.items]]
        id = "s2-1"
        statement = "Heavy."
        guidance = "g"
        weight = 1.7976931348623157e308

        [[sections.items]]
        id = "s2-2"
        statement = "Heavy too."
        guidance = "g"
        weight = 1.7976931348623157e308
        """
)


def test_the_legacy_text_is_refused_as_a_file_but_read_as_a_stored_copy(tmp_path):
    path = tmp_path / "legacy.toml"
    path.write_text(LEGACY)
    code, out, err = cli("forms", "check", path)
    assert code == 1
    assert len(assert_problem_lines(path, code, out, err)) == 3
    q = parse_questionnaire(LEGACY, "stored")
    biggest = 1.7976931348623157e308
    assert [i.weight for i in q.items] == [1e-308, 1e308, biggest, biggest]


def test_a_legacy_questionnaire_with_weights_of_1e308_is_scored_shown_and_reported(tmp_path):
    db = tmp_path / "legacy.sqlite"
    with Services.open(db) as services:
        store = services.store
        partnership = store.add_partnership("Legacy Partnership", "Legacy ICS")
        rnd = store.add_round(partnership.id, "Baseline", "2026-11-01")
        icb = store.add_organisation(partnership.id, "Legacy ICB", "icb")
        # Stored as an older version stored it: no check of the weights.
        q = parse_questionnaire(LEGACY, "stored")
        store.store_questionnaire(q.id, q.version, q.title, len(q.items), LEGACY)
        assessment = store.create_assessment(
            round_id=rnd.id,
            organisation_id=icb.id,
            questionnaire_id=q.id,
            questionnaire_version=q.version,
            kind="organisation",
            respondent_name="Legacy Respondent",
            respondent_role="Chair",
        )
        for item_id, rating in [("s1-1", 5), ("s1-2", 1), ("s2-1", 2), ("s2-2", 4)]:
            services.answer(assessment.id, item_id, rating)
        services.submit(assessment.id)
        score = services.detail(assessment.id).score
        # s1-2 (reverse, rated 1: scores 5) outweighs s1-1 by 1e616: the section is 5.
        assert score.section("s1").mean == 5.0
        assert score.section("s2").mean == pytest.approx(3.0)
        assert score.mean == pytest.approx(4.0)

    code, out, err = cli("--db", db, "show", assessment.id)
    assert code == 0, err
    assert "Traceback" not in err
    code, out, err = cli("--db", db, "show", assessment.id, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert [i["weight"] for s in shown["sections"] for i in s["items"]][1] == 1e308
    pdf = tmp_path / "legacy.pdf"
    code, out, err = cli("--db", db, "report", assessment.id, "-o", pdf)
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")


# --- property tests ---------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly ``text``."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


class Raw(str):
    """TOML text to put in as it is (a deep nest, a number of 400 digits)."""


def toml_value(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(type(value))


def render(doc: dict, inline: bool) -> str:
    """The questionnaire ``doc`` as TOML: all inline (``sections = [{...}]``), or with
    [[scale]], [[bands]], [[sections]] and [[sections.items]] headers."""
    if inline:
        return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in doc.items())
    lines = []
    tables = {k: v for k, v in doc.items() if k in ("scale", "bands", "sections")}
    for key, value in doc.items():
        if key not in tables:
            lines.append(f"{toml_string(key)} = {toml_value(value)}")
    for key, value in tables.items():
        if not (isinstance(value, list) and all(isinstance(v, dict) for v in value) and value):
            lines.insert(0, f"{toml_string(key)} = {toml_value(value)}")
            continue
        for table in value:
            lines.append(f"\n[[{key}]]")
            for k, v in table.items():
                if key == "sections" and k == "items":
                    continue
                lines.append(f"{toml_string(k)} = {toml_value(v)}")
            items = table.get("items") if key == "sections" else None
            if isinstance(items, list) and items and all(isinstance(i, dict) for i in items):
                for item in items:
                    lines.append("[[sections.items]]")
                    lines.extend(f"{toml_string(k)} = {toml_value(v)}" for k, v in item.items())
            elif key == "sections" and "items" in table:
                lines.append(f'"items" = {toml_value(items)}')
    return "\n".join(lines) + "\n"


# Text a person might type, in any script, with the odd control character, markup-like
# text, right-to-left overrides and emoji. No surrogates: a file is UTF-8.
odd_text = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(list("<>&\"'\\\n\t\r\x00\x1b\x7f\u2028\u202e\ufeff ŵŷłاسم中文한😀")),
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip())
id_text = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,12}", fullmatch=True)
good_weights = st.one_of(
    st.sampled_from([5e-324, 1e-308, 1e-12, 0.001, 0.5, 1, 1, 2, 3.5, 10, 10.0]),
    st.floats(min_value=1e-300, max_value=MAX_WEIGHT, allow_nan=False, allow_infinity=False),
)
hostile_numbers = st.one_of(
    st.sampled_from(
        [
            0,
            -1,
            0.0,
            -0.0,
            1e308,
            1.7976931348623157e308,
            -1e308,
            1e-308,
            5e-324,
            10,
            10.000000000000002,
            11,
            100,
            99.99999999999999,
            math.inf,
            -math.inf,
            math.nan,
            2**63 - 1,
            2**64,
            Raw("1" + "0" * 400),
            Raw("0x7fffffffffffffff"),
            True,
        ]
    ),
    st.floats(),
    st.integers(),
)


def nested(depth: int, leaf: Any) -> Raw:
    return Raw("[" * depth + toml_value(leaf) + "]" * depth)


answer_choices = st.one_of(
    st.integers(min_value=SCALE_MIN, max_value=SCALE_MAX),
    st.sampled_from([Unrated.DONT_KNOW, Unrated.NOT_APPLICABLE, None]),
)


@st.composite
def valid_questionnaires(draw) -> dict:
    """A questionnaire every rule allows, with extreme but allowed values and odd text."""
    n_sections = draw(st.integers(min_value=1, max_value=4))
    sections = []
    for s in range(n_sections):
        items = []
        for i in range(draw(st.integers(min_value=1, max_value=5))):
            item: dict[str, Any] = {
                "id": f"{draw(id_text)}-{s}-{i}",
                "statement": draw(odd_text),
                "guidance": draw(odd_text),
            }
            if draw(st.booleans()):
                item["evidence"] = draw(odd_text)
            if draw(st.booleans()):
                item["weight"] = draw(good_weights)
            if draw(st.booleans()):
                item["reverse"] = draw(st.booleans())
            items.append(item)
        section: dict[str, Any] = {"id": f"{draw(id_text)}-{s}", "title": draw(odd_text)}
        if draw(st.booleans()):
            section["description"] = draw(odd_text)
        section["items"] = items
        sections.append(section)
    doc: dict[str, Any] = {
        "id": draw(id_text),
        "version": draw(
            st.one_of(st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3}){0,2}", fullmatch=True), odd_text)
        ),
        "title": draw(odd_text),
        "purpose": draw(odd_text),
        "scale": [
            {"value": v, "label": draw(odd_text), "descriptor": draw(odd_text)}
            for v in draw(st.permutations([1, 2, 3, 4, 5]))
        ],
    }
    if draw(st.booleans()):
        cuts = sorted(
            draw(
                st.sets(
                    st.floats(min_value=1e-9, max_value=99.999, allow_nan=False),
                    min_size=1,
                    max_size=5,
                )
            )
        )
        doc["bands"] = [{"name": f"{draw(odd_text)} {n}", "below": c} for n, c in enumerate(cuts)]
        doc["bands"].append({"name": f"{draw(odd_text)} {len(cuts)}"})
    doc["sections"] = sections
    return doc


@st.composite
def hostile_questionnaires(draw) -> dict:
    """A valid questionnaire with some of its values, keys and nesting made hostile."""
    doc = draw(valid_questionnaires())
    items = [item for section in doc["sections"] for item in section["items"]]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        target = draw(st.sampled_from(["item", "section", "top", "scale", "band"]))
        tables = {
            "item": items,
            "section": doc["sections"],
            "scale": doc.get("scale"),
            "band": doc.get("bands"),
        }.get(target)
        if not (isinstance(tables, list) and tables and all(isinstance(t, dict) for t in tables)):
            target, tables = "top", [doc]  # that list was made hostile already
        table = draw(st.sampled_from(tables))
        key = draw(
            st.sampled_from(
                {
                    "item": ["weight", "weight", "reverse", "id", "statement", "wieght"],
                    "section": ["id", "title", "items", "description"],
                    "scale": ["value", "label"],
                    "band": ["below", "name"],
                    "top": ["id", "version", "title", "scale", "bands", "extra"],
                }[target]
            )
        )
        table[key] = draw(
            st.one_of(
                st.builds(
                    nested,
                    st.integers(min_value=1, max_value=10 * MAX_NESTING),
                    st.sampled_from([1, "x", 1e308]),
                ),
                hostile_numbers,
                odd_text,
                st.sampled_from(["", "   ", "has space", "a" * 81, "x\ny"]),
                st.builds(
                    nested,
                    st.integers(min_value=1, max_value=10 * MAX_NESTING),
                    st.sampled_from([1, "x", 1e308]),
                ),
                st.just([]),
                st.just({}),
            )
        )
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            table.pop(key, None)
    return doc


def run_through_the_program(tmp: Path, text: str, answers) -> None:
    """Load the file in a forms folder, answer and submit it on a new database, score it,
    and run `show`, `show --json` and `report`: none may fail."""
    forms = tmp / "forms"
    forms.mkdir()
    (forms / "q.toml").write_text(text, encoding="utf-8")
    db = tmp / "db.sqlite"
    with Services.open(db, [forms]) as services:
        assert services.catalogue.warnings == []
        ((qid, _),) = services.catalogue.entries
        store = services.store
        partnership = store.add_partnership("Hostile Partnership", "Hostile ICS")
        rnd = store.add_round(partnership.id, "Round one", "2026-11-01")
        org = store.add_organisation(partnership.id, "Odd Council", "upper_tier_council")
        assessment = services.start_assessment(
            round_id=rnd.id,
            organisation_id=org.id,
            questionnaire_id=qid,
            kind="organisation",
            respondent_name="Tester",
            respondent_role="Leader",
        )
        questionnaire = services.questionnaire_of(assessment)
        for item in questionnaire.items:
            choice = answers.draw(answer_choices)
            if choice is not None:
                services.answer(assessment.id, item.id, choice)
        services.submit(assessment.id, allow_unanswered=True)
        score = services.detail(assessment.id).score
        for section in score.sections:
            if section.reported:
                assert SCALE_MIN <= section.mean <= SCALE_MAX
                assert 0 <= section.percent <= 100
        if score.mean is not None:
            assert SCALE_MIN <= score.mean <= SCALE_MAX

    for argv in (["show", assessment.id], ["show", assessment.id, "--json"]):
        code, out, err = cli("--db", db, *argv)
        assert code == 0, err
        assert "Traceback" not in err
    json.loads(out)
    pdf = tmp / "report.pdf"
    code, out, err = cli("--db", db, "report", assessment.id, "-o", pdf)
    assert code == 0, err
    assert "Traceback" not in err
    assert pdf.read_bytes().startswith(b"%PDF")


def fuzz_examples(default: int) -> int:
    """``default``, or ICS_ASSESS_FUZZ_EXAMPLES for a deeper search (docs/reliability.md)."""
    return int(os.environ.get("ICS_ASSESS_FUZZ_EXAMPLES", default))


PROPERTY_SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@settings(PROPERTY_SETTINGS, max_examples=fuzz_examples(80))
@given(hostile_questionnaires(), st.booleans(), st.data())
def test_any_questionnaire_file_is_checked_in_lines_and_runs_if_it_loads(doc, inline, answers):
    text = render(doc, inline)
    with contextlib.suppress(QuestionnaireError):  # and nothing else
        parse_questionnaire(text, "stored")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        path = tmp / "questionnaire.toml"
        path.write_text(text, encoding="utf-8")
        code, out, err = cli("forms", "check", path)
        problems = assert_problem_lines(path, code, out, err)
        event("loads" if code == 0 else "refused")
        if any("nested too deeply" in line for line in problems):
            event("nested too deeply")
        if code == 0:
            path.unlink()
            run_through_the_program(tmp, text, answers)


@settings(PROPERTY_SETTINGS, max_examples=fuzz_examples(20))
@given(valid_questionnaires(), st.booleans(), st.data())
def test_valid_questionnaires_with_extreme_values_load_score_show_and_report(doc, inline, answers):
    text = render(doc, inline)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        path = tmp / "questionnaire.toml"
        path.write_text(text, encoding="utf-8")
        code, out, err = cli("forms", "check", path)
        assert assert_problem_lines(path, code, out, err) == []
        assert code == 0
        path.unlink()
        run_through_the_program(tmp, text, answers)
