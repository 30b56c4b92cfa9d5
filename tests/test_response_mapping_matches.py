"""The suggested mapping of a responses sheet (issue 12): difflib's ratio is worked out
only for the pairs that can still be taken, and the columns chosen are exactly those of
scoring every (header, statement) pair and taking them best first, kept here as the
reference, on many kinds of header: the statements word for word, shortened, reworded,
numbered, in another order, naming an id, repeated, and unrelated."""

from __future__ import annotations

import random
import re
import time
from difflib import SequenceMatcher

import pytest

from ics_assess.exchange.spreadsheets import (
    MATCH_FLOOR,
    ResponseSheet,
    suggest_mapping,
    word_key,
)


def reference_columns(headers, items) -> dict[str, str]:
    """Every pair scored, then taken best first (the mapping's definition)."""
    pairs = []
    for order, header in enumerate(headers):
        key = word_key(header)
        for item in items:
            if re.search(rf"(?<![\w-]){re.escape(item.id.casefold())}(?![\w-])", key):
                pairs.append((2.0, -order, header, item.id))
                continue
            statement = word_key(item.statement)
            ratio = SequenceMatcher(None, key, statement, autojunk=False).ratio()
            if statement and statement in key:
                ratio = max(ratio, 0.95)
            if ratio >= MATCH_FLOOR:
                pairs.append((ratio, -order, header, item.id))
    columns: dict[str, str] = {}
    for _, _, header, item_id in sorted(pairs, reverse=True):
        if header not in columns and item_id not in columns.values():
            columns[header] = item_id
    return {h: columns[h] for h in headers if h in columns}


def mangle(rng: random.Random, text: str) -> str:
    words = text.split()
    kind = rng.randrange(7)
    if kind == 0:
        return text
    if kind == 1:
        return " ".join(words[: max(1, len(words) * 2 // 3)])  # shortened
    if kind == 2:
        return f"{rng.randint(1, 40)}. {text}"  # numbered
    if kind == 3:
        return text.rstrip(".") + "?"
    if kind == 4:  # a word or two dropped or swapped
        k = rng.randrange(len(words))
        return " ".join(words[:k] + words[k + 1 :] + words[k : k + 1])
    if kind == 5:
        return text.upper()
    return " ".join(rng.sample(words, len(words)))  # words shuffled


def sheets(questionnaire, count: int):
    rng = random.Random(12)
    items = list(questionnaire.items)
    fixed = ["Timestamp", "Your organisation", "Your name", "Your role"]
    for n in range(count):
        chosen = rng.sample(items, rng.randint(1, len(items)))
        headers = fixed + [mangle(rng, item.statement) for item in chosen]
        if n % 5 == 0:
            headers.append(f"[{rng.choice(items).id}] named by id")
        if n % 7 == 0:
            headers.append(rng.choice(headers[4:]) + " (again)")
        if n % 3 == 0:
            headers.append("How did you hear about this survey?")
        headers = list(dict.fromkeys(headers))
        rng.shuffle(headers)
        yield headers


@pytest.fixture
def questionnaire(services):
    return services.latest_questionnaire("governance").questionnaire


def test_the_columns_are_those_of_scoring_every_pair(questionnaire):
    for headers in sheets(questionnaire, 60):
        sheet = ResponseSheet("r.csv", tuple(headers), ())
        got = suggest_mapping(sheet, questionnaire).columns
        assert got == reference_columns(headers, questionnaire.items), headers


def test_other_questionnaires_too(services):
    for qid in ("equal-partnership", "democratic-involvement"):
        q = services.latest_questionnaire(qid).questionnaire
        for headers in sheets(q, 15):
            sheet = ResponseSheet("r.csv", tuple(headers), ())
            assert suggest_mapping(sheet, q).columns == reference_columns(headers, q.items)


def test_a_sheet_of_the_statements_is_mapped_in_a_fraction_of_a_second(questionnaire):
    headers = ["Timestamp", "Your organisation", "Your name", "Your role"]
    headers += [item.statement for item in questionnaire.items]
    sheet = ResponseSheet("r.csv", tuple(headers), ())
    started = time.perf_counter()
    mapping = suggest_mapping(sheet, questionnaire)
    took = time.perf_counter() - started
    assert len(mapping.columns) == len(questionnaire.items)
    # Scoring every pair took 0.6 s here; taking them from the bound, 0.03-0.07 s.
    assert took < 0.4, f"mapping 25 statements took {took:.2f} s"
