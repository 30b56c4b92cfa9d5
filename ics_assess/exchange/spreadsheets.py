"""Spreadsheets: answers exported to CSV or XLSX, one row per answer (docs/spreadsheets.md).

A spreadsheet is opened by people in Excel or LibreOffice, so every text cell that begins
with a character a spreadsheet would take as the start of a formula (``= + - @``, tab or
carriage return) is written with a leading ``'`` (the OWASP advice on CSV injection), and
characters XML cannot hold are left out. Numbers (ratings and targets) are written as
numbers. The file is written to a temporary file and renamed into place, so it is either
the whole new file or left as it was. Nothing here imports Qt.
"""

from __future__ import annotations

import csv
import heapq
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import files, textrules
from ..domain import Answer, Assessment, AssessmentKind, Item, Questionnaire, Unrated
from ..store import Store
from .errors import ExchangeError, ExportError

HEADERS = (
    "assessment id",
    "partnership",
    "organisation",
    "partner type",
    "sector",
    "round",
    "questionnaire id",
    "questionnaire version",
    "kind",
    "respondent",
    "status",
    "section id",
    "section title",
    "item id",
    "statement",
    "rating",
    "response",
    "target",
    "comment",
    "evidence",
)
SUFFIXES = (".csv", ".xlsx")
# What a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an XLSX (XML 1.0) cell cannot hold; tab, line feed and carriage return can.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
INDIVIDUAL = "individual"

Cell = str | int | None


@dataclass(frozen=True)
class SpreadsheetResult:
    """A spreadsheet written: where, how many assessments and answer rows, its size."""

    path: Path
    assessments: int
    rows: int
    size: int


def neutralise(text: str) -> str:
    """A text cell that no spreadsheet will run as a formula: a leading ``'`` when it begins
    like one, and without the control characters XLSX cannot hold."""
    text = _NOT_XML.sub("", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def _response(answer: Answer | None) -> str:
    if answer is None or not answer.is_answered:
        return "unanswered"
    return "rating" if answer.rating is not None else answer.unrated.value


def answer_rows(
    store: Store,
    assessment_ids: Sequence[str],
    questionnaire_of: Callable[[Assessment], Questionnaire],
    *,
    individual_names: bool = False,
) -> list[list[Cell]]:
    """The rows (without the header) for the assessments, in the order given: one per
    statement of each assessment's questionnaire version, answered or not. Individual
    views show 'individual' as the respondent unless ``individual_names`` is set."""
    assessments = store.assessments(assessment_ids)
    all_answers = store.answers_for(a.id for a in assessments)
    names: dict[tuple[str, str], object] = {}

    def cached(kind: str, key: str, get: Callable[[str], object]):
        if (kind, key) not in names:
            names[kind, key] = get(key)
        return names[kind, key]

    rows: list[list[Cell]] = []
    for a in assessments:
        rnd = cached("round", a.round_id, store.round)
        partnership = cached("partnership", rnd.partnership_id, store.partnership)
        org = cached("organisation", a.organisation_id, store.organisation)
        q = questionnaire_of(a)
        answers = all_answers.get(a.id, {})
        if a.kind is AssessmentKind.INDIVIDUAL and not individual_names:
            respondent = INDIVIDUAL
        else:
            respondent = a.respondent_name or ""
        head: list[Cell] = [
            a.id,
            partnership.name,
            org.name,
            org.partner_type.label,
            org.sector.label,
            rnd.name,
            q.id,
            q.version,
            a.kind.value,
            respondent,
            a.status.value,
        ]
        for section in q.sections:
            for item in section.items:
                answer = answers.get(item.id)
                rows.append(
                    [
                        *head,
                        section.id,
                        section.title,
                        item.id,
                        item.statement,
                        answer.rating if answer else None,
                        _response(answer),
                        answer.target if answer else None,
                        answer.comment if answer else "",
                        answer.evidence if answer else "",
                    ]
                )
    return rows


def safe_row(row: Sequence[object]) -> list[object]:
    """The row with every text cell neutralised (numbers and blanks as they are)."""
    return [neutralise(c) if isinstance(c, str) else c for c in row]


def csv_bytes(rows: Sequence[Sequence[object]], headers: Sequence[str] = HEADERS) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF line ends; the
    header row first, then the rows with their text neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(safe_row(headers))
    for row in rows:
        writer.writerow(["" if c is None else c for c in safe_row(row)])
    return out.getvalue().encode("utf-8-sig")


def append_safe_row(ws, row: Sequence[object]) -> None:
    """Append a row to a write-only worksheet, its text neutralised and stored as text
    (never as a formula, whatever it holds)."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in safe_row(row):
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text
        cells.append(cell)
    ws.append(cells)


def xlsx_bytes(rows: Sequence[Sequence[Cell]]) -> bytes:
    """One sheet, 'Answers', the header row frozen; text cells are always text."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Answers")
    ws.freeze_panes = "A2"
    ws.append(list(HEADERS))
    for row in rows:
        append_safe_row(ws, row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_answers(
    store: Store,
    assessment_ids: Sequence[str],
    path: Path | str,
    questionnaire_of: Callable[[Assessment], Questionnaire],
    *,
    individual_names: bool = False,
) -> SpreadsheetResult:
    """Write the answers of the assessments to ``path``, CSV or XLSX by its suffix,
    atomically. Raises ExportError with one sentence."""
    target = Path(path).expanduser()
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(
            f"{target.name or target} is neither .csv nor .xlsx; name the file answers.csv "
            "or answers.xlsx."
        )
    if not assessment_ids:
        raise ExportError("There are no assessments to export.")
    rows = answer_rows(store, assessment_ids, questionnaire_of, individual_names=individual_names)
    data = csv_bytes(rows) if suffix == ".csv" else xlsx_bytes(rows)
    written = files.write_atomically(
        target, data, what="spreadsheet", example=f"answers{suffix}", error=ExportError
    )
    return SpreadsheetResult(written, len(assessment_ids), len(rows), len(data))


def export_table(
    path: Path | str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    sheet: str,
    example: str,
    widths: Sequence[int] = (),
) -> Path:
    """Write one table (an action plan...) to ``path``, CSV or XLSX by its suffix,
    atomically: the header row first (frozen in XLSX), text cells neutralised and stored
    as text. ``example`` names the file in the message for a wrong suffix. Raises
    ExportError with one sentence."""
    target = Path(path).expanduser()
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(
            f"{target.name or target} is neither .csv nor .xlsx; name the file "
            f"{example}.csv or {example}.xlsx."
        )
    if suffix == ".csv":
        data = csv_bytes(rows, headers)
    else:
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        append_safe_row(ws, headers)
        for row in rows:
            append_safe_row(ws, row)
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    return files.write_atomically(
        target, data, what="spreadsheet", example=f"{example}{suffix}", error=ExportError
    )


# --- import: responses from an online form ------------------------------------------------
#
# A form's export has one row per respondent and a column per statement. The file is
# untrusted: it is capped in size, rows and columns; an XLSX is read with openpyxl in
# read-only mode with cached values only, so no formula is ever evaluated; and a refused
# file changes nothing.


@dataclass(frozen=True)
class SheetLimits:
    """What a responses file may be; anything over is refused before it is used."""

    file_bytes: int = 20 * 1024 * 1024
    rows: int = 10_000
    columns: int = 500
    # An XLSX is a zip: its members together, unpacked, and their compression ratio.
    unpacked_bytes: int = 200 * 1024 * 1024
    ratio: int = 200


SHEET_LIMITS = SheetLimits()


@dataclass(frozen=True)
class ResponseSheet:
    """A responses file read: its name, unique non-empty headers, and the rows (each as
    long as the headers, every cell text, blank for empty). Row numbers in messages are
    the spreadsheet's (the header is row 1)."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, header: str) -> int:
        """The index of a header; ExchangeError naming the known ones if there is none."""
        try:
            return self.headers.index(header)
        except ValueError:
            raise ExchangeError(
                f"{self.name} has no column '{header}'; its columns begin "
                f"{', '.join(repr(h) for h in self.headers[:5])}."
            ) from None


def _refuse(name: str, reason: str) -> ExchangeError:
    return ExchangeError(f"{name} was not read, nothing was changed: {reason}.")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _table(name: str, raw: list[list[str]], limits: SheetLimits) -> ResponseSheet:
    while raw and not any(c.strip() for c in raw[-1]):
        raw.pop()
    if not raw or not any(c.strip() for c in raw[0]):
        raise _refuse(name, "its first row should hold the column headers, and it is empty")
    width = max(len(r) for r in raw)
    while width and not any(len(r) >= width and r[width - 1].strip() for r in raw):
        width -= 1
    if width > limits.columns:
        raise _refuse(name, f"it has {width:,} columns, more than the {limits.columns:,} allowed")
    if len(raw) - 1 > limits.rows:
        raise _refuse(name, f"it has more than {limits.rows:,} rows")
    headers: list[str] = []
    seen: set[str] = set()
    for i in range(width):
        header = " ".join(raw[0][i].split()) if i < len(raw[0]) else ""
        header = header or f"column {i + 1}"
        base, n = header, 2
        while header.casefold() in seen:
            header, n = f"{base} ({n})", n + 1
        seen.add(header.casefold())
        headers.append(header)
    rows = tuple(tuple((list(r) + [""] * width)[:width]) for r in raw[1:])
    return ResponseSheet(name, tuple(headers), rows)


def _read_csv(name: str, data: bytes, limits: SheetLimits) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(name, "it is not UTF-8 text; save it again as 'CSV UTF-8'") from None
    if "\x00" in text:
        raise _refuse(name, "it holds binary data, not CSV text")
    # The header row's commonest separator: comma, or semicolon / tab (Excel in some
    # countries, and some forms, save those); a comma wins a tie.
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=lambda d: (first.count(d), d == ","))
    raw: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(raw) > limits.rows + 1:
                raise _refuse(name, f"it has more than {limits.rows:,} rows")
            if len(record) > limits.columns + 1:
                record = record[: limits.columns + 1]
            raw.append([c.strip() for c in record])
    except csv.Error as exc:
        raise _refuse(name, f"it is not a readable CSV file ({exc})") from None
    return raw


def _read_xlsx(name: str, data: bytes, limits: SheetLimits) -> list[list[str]]:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise _refuse(name, "it is not an XLSX workbook (it may be damaged)") from None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.unpacked_bytes or any(
        i.file_size > 1024 * 1024 and i.file_size > limits.ratio * max(i.compress_size, 1)
        for i in infos
    ):
        raise _refuse(name, "it unpacks to far more than it holds, which a workbook never does")
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet; data_only takes the values a spreadsheet program
        # last saved for formulas (blank if none): formulas are never evaluated.
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _refuse(name, f"it is not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        if not wb.worksheets:
            raise _refuse(name, "it has no worksheet")
        raw: list[list[str]] = []
        for values in wb.worksheets[0].iter_rows(max_col=limits.columns + 1, values_only=True):
            if len(raw) > limits.rows + 1:
                raise _refuse(name, f"it has more than {limits.rows:,} rows")
            raw.append([_text(v) for v in values])
    except ExchangeError:
        raise
    except Exception as exc:
        raise _refuse(name, f"it is not a readable XLSX workbook ({type(exc).__name__})") from None
    finally:
        wb.close()
    return raw


def read_responses(path: Path | str, limits: SheetLimits = SHEET_LIMITS) -> ResponseSheet:
    """Read a form's responses from a .csv or .xlsx file: the first worksheet, first row
    the headers. Raises ExchangeError with one sentence; nothing is written."""
    path = Path(path).expanduser()
    name = path.name or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise _refuse(name, "only .csv and .xlsx files can be read")
    try:
        with path.open("rb") as f:
            data = f.read(limits.file_bytes + 1)
    except IsADirectoryError:
        raise _refuse(name, "it is a folder") from None
    except FileNotFoundError:
        raise ExchangeError(f"There is no file {path}.") from None
    except OSError as exc:
        raise _refuse(name, exc.strerror or type(exc).__name__) from None
    if len(data) > limits.file_bytes:
        raise _refuse(name, f"it is bigger than {limits.file_bytes // (1024 * 1024)} MB")
    reader = _read_csv if suffix == ".csv" else _read_xlsx
    return _table(name, reader(name, data, limits), limits)


# --- mapping columns to statements and words to ratings -----------------------------------

Value = int | Unrated | None  # a rating 1-5, don't know / not applicable, or blank

COMMON_WORDS: dict[str, Value] = {
    "strongly disagree": 1,
    "disagree": 2,
    "neither agree nor disagree": 3,
    "neither agree or disagree": 3,
    "neutral": 3,
    "agree": 4,
    "strongly agree": 5,
    "don't know": Unrated.DONT_KNOW,
    "dont know": Unrated.DONT_KNOW,
    "do not know": Unrated.DONT_KNOW,
    "unsure": Unrated.DONT_KNOW,
    "not sure": Unrated.DONT_KNOW,
    "n/a": Unrated.NOT_APPLICABLE,
    "na": Unrated.NOT_APPLICABLE,
    "not applicable": Unrated.NOT_APPLICABLE,
}
ROLE_HEADERS = ("role", "job title", "your role", "position")
RESPONDENT_HEADERS = ("name", "your name", "respondent", "full name", "respondent name")
ORGANISATION_WORDS = ("organisation", "organization")
MATCH_FLOOR = 0.6


def word_key(text: str) -> str:
    """A rating word as matched: case, spacing and curly apostrophes ignored."""
    return " ".join(text.replace("’", "'").replace("‘", "'").casefold().split())


def value_name(value: Value) -> str:
    """'4', 'dont_know', 'not_applicable' or '' (blank), as in a mapping file."""
    if value is None:
        return ""
    return value.value if isinstance(value, Unrated) else str(value)


def parse_value(text: object) -> Value:
    """A value from a mapping file: 1-5, 'dont_know', 'not_applicable', or ''/None."""
    if text is None or text == "":
        return None
    if isinstance(text, int) and not isinstance(text, bool) and 1 <= text <= 5:
        return text
    if isinstance(text, str):
        if text.strip() in {"1", "2", "3", "4", "5"}:
            return int(text)
        try:
            return Unrated(text.strip())
        except ValueError:
            pass
    raise ExchangeError(
        f"'{str(text)[:40]}' is not a rating; use 1 to 5, dont_know, not_applicable or ''."
    )


@dataclass
class ResponseMapping:
    """Which column holds which statement, which holds the organisation, respondent and
    role, and which number each rating word means. Headers are the sheet's."""

    questionnaire_id: str
    columns: dict[str, str]  # header -> item id
    words: dict[str, Value]  # word_key(text) -> value
    organisation: str = ""
    respondent: str = ""
    role: str = ""

    def as_json(self) -> dict:
        """The mapping as a JSON object (docs/spreadsheets.md, the mapping file)."""
        return {
            "questionnaire": self.questionnaire_id,
            "organisation": self.organisation,
            "respondent": self.respondent,
            "role": self.role,
            "columns": dict(self.columns),
            "words": {w: value_name(v) for w, v in self.words.items()},
        }

    @classmethod
    def from_json(cls, data: object, questionnaire: Questionnaire) -> ResponseMapping:
        """A mapping from a mapping file's JSON; ExchangeError with one sentence."""
        if not isinstance(data, dict):
            raise ExchangeError("A mapping file holds one JSON object.")
        columns, words = data.get("columns", {}), data.get("words", {})
        if not isinstance(columns, dict) or not isinstance(words, dict):
            raise ExchangeError("A mapping file's 'columns' and 'words' are JSON objects.")
        items = {item.id for item in questionnaire.items}
        for header, item_id in columns.items():
            if item_id not in items:
                raise ExchangeError(
                    f"The mapping names statement '{str(item_id)[:40]}' for column "
                    f"'{header[:40]}', which questionnaire '{questionnaire.id}' does not have."
                )
        texts = {k: data.get(k, "") for k in ("organisation", "respondent", "role")}
        if not all(isinstance(v, str) for v in texts.values()):
            raise ExchangeError("A mapping file's column names are text.")
        return cls(
            questionnaire.id,
            {str(h): str(i) for h, i in columns.items()},
            {word_key(str(w)): parse_value(v) for w, v in words.items()},
            **texts,
        )


def _words_for(questionnaire: Questionnaire) -> dict[str, Value]:
    words: dict[str, Value] = dict(COMMON_WORDS)
    for point in questionnaire.scale:
        words[word_key(point.label)] = point.value
        words[str(point.value)] = point.value
        words[word_key(f"{point.value} - {point.label}")] = point.value
        words[word_key(f"{point.value} {point.label}")] = point.value
    return words


def _guess_value(text: str, known: dict[str, Value]) -> Value | str:
    key = word_key(text)
    if key in known:
        return known[key]
    m = re.fullmatch(r"([1-5])(?:\.0+)?(?:\s*[-–:.)]\s*.*)?", key)
    if m:
        return int(m.group(1))
    return "?"


def _find_header(headers: Sequence[str], exact: Sequence[str], words: Sequence[str]) -> str:
    for header in headers:
        if word_key(header) in exact:
            return header
    for header in headers:
        if any(w in word_key(header) for w in words):
            return header
    return ""


def _match_columns(headers: Sequence[str], items: Sequence[Item]) -> dict[str, str]:
    """Each column to the statement its header reads most like (or whose id it names),
    each statement at most once: every pair scored (2 for the id named; difflib's ratio,
    at least 0.95 when the header contains the statement; MATCH_FLOOR at least), then
    taken best first, (score, -column, statement id) descending.

    difflib's ratio is slow in Python (about 1 ms a pair), so pairs are taken from a
    heap ordered by a cheap upper bound of the score (quick_ratio) and a pair's ratio is
    worked out only when it comes to the top while both its column and its statement are
    still free. The result is the same as scoring every pair, but a sheet whose headers
    are the statements costs one ratio a column rather than one a column and statement
    (issue 12: 0.6 s of every ``responses`` import)."""
    from difflib import SequenceMatcher

    rank = {item_id: n for n, item_id in enumerate(sorted(item.id for item in items))}
    matchers: dict[str, SequenceMatcher] = {}
    statements: dict[str, str] = {}
    for item in items:
        statements[item.id] = word_key(item.statement)
        matchers[item.id] = SequenceMatcher(None, "", statements[item.id], autojunk=False)
    # (-score, column, -statement rank, exact?, header, item id, floor): the smallest first
    # is the pair sorted((score, -column, header, item id), reverse=True) puts first.
    heap: list[tuple[float, int, int, bool, str, str, float]] = []
    for order, header in enumerate(headers):
        key = word_key(header)
        for item in items:
            if re.search(rf"(?<![\w-]){re.escape(item.id.casefold())}(?![\w-])", key):
                heap.append((-2.0, order, -rank[item.id], True, header, item.id, 2.0))
                continue
            statement = statements[item.id]
            floor = 0.95 if statement and statement in key else 0.0
            matcher = matchers[item.id]
            matcher.set_seq1(key)
            bound = max(matcher.quick_ratio(), floor)
            if bound >= MATCH_FLOOR:
                heap.append((-bound, order, -rank[item.id], False, header, item.id, floor))
    heapq.heapify(heap)
    columns: dict[str, str] = {}
    taken: set[str] = set()
    while heap:
        entry = heapq.heappop(heap)
        _, order, item_rank, exact, header, item_id, floor = entry
        if header in columns or item_id in taken:
            continue
        if not exact:
            matcher = matchers[item_id]
            matcher.set_seq1(word_key(header))
            score = max(matcher.ratio(), floor)
            if score >= MATCH_FLOOR:
                heapq.heappush(heap, (-score, order, item_rank, True, header, item_id, floor))
            continue
        columns[header] = item_id
        taken.add(item_id)
    return columns


def suggest_mapping(sheet: ResponseSheet, questionnaire: Questionnaire) -> ResponseMapping:
    """A first mapping: each column to the statement its header reads most like (or whose
    id it names), each statement at most once; the organisation, respondent and role
    columns by their headers; and the rating words found in the statement columns that
    are scale labels, numbers 1-5, agreement words, don't know or not applicable."""
    columns = _match_columns(sheet.headers, questionnaire.items)
    ordered = {h: columns[h] for h in sheet.headers if h in columns}
    others = [h for h in sheet.headers if h not in ordered]
    organisation = _find_header(others, ORGANISATION_WORDS, ORGANISATION_WORDS)
    respondent = _find_header([h for h in others if h != organisation], RESPONDENT_HEADERS, ())
    role = _find_header(
        [h for h in others if h not in (organisation, respondent)], ROLE_HEADERS, ("role",)
    )
    known = _words_for(questionnaire)
    words: dict[str, Value] = {}
    for text in _cells(sheet, ordered):
        value = _guess_value(text, known)
        if value != "?":
            words[word_key(text)] = value
    return ResponseMapping(questionnaire.id, ordered, words, organisation, respondent, role)


def _cells(sheet: ResponseSheet, columns: dict[str, str]):
    indexes = [sheet.headers.index(h) for h in columns if h in sheet.headers]
    for row in sheet.rows:
        for i in indexes:
            if row[i].strip():
                yield row[i]


@dataclass(frozen=True)
class PlannedResponse:
    """One row that fits: it becomes one submitted individual assessment."""

    row: int  # the spreadsheet's row number (the header is row 1)
    organisation_id: str
    respondent: str
    role: str
    answers: dict[str, int | Unrated]  # item id -> value; blank cells are left out

    def signature(self) -> tuple:
        """What makes two responses the same response (to skip one imported before)."""
        values = frozenset((i, value_name(v)) for i, v in self.answers.items())
        return (self.organisation_id, self.respondent, self.role, values)


@dataclass(frozen=True)
class MappingReport:
    """What fits and what does not. Rows that do not fit (empty, or of an organisation
    the partnership does not have) are left out of an import; cells whose word has no
    rating are left unanswered."""

    questionnaire_id: str
    mapped: dict[str, str]
    unmapped_columns: tuple[str, ...]
    missing_items: tuple[str, ...]
    unknown_words: dict[str, int]
    empty_rows: tuple[int, ...]
    unknown_organisations: dict[str, int]
    responses: tuple[PlannedResponse, ...]
    # One sentence per row left out because a name or role breaks ics_assess.textrules
    # (too long for one line), naming the row and the column.
    text_problems: tuple[str, ...] = ()

    @property
    def fits(self) -> bool:
        """Every row and every cell fits."""
        return not (
            self.unknown_words
            or self.empty_rows
            or self.unknown_organisations
            or self.text_problems
        )

    def lines(self) -> list[str]:
        """The report in sentences, for the command line and the dialog."""
        out = [
            f"{_n(len(self.mapped), 'column')} matched to statements; "
            f"{_n(len(self.responses), 'row')} can be imported."
        ]
        if self.missing_items:
            out.append(
                f"{len(self.missing_items)} statements have no column and stay unanswered: "
                + ", ".join(self.missing_items[:10])
                + (" and more" if len(self.missing_items) > 10 else "")
                + "."
            )
        for word, n in sorted(self.unknown_words.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(
                f"The answer {_quote(word)} ({_n(n, 'cell')}) has no rating; left unanswered."
            )
        if self.empty_rows:
            rows = ", ".join(str(r) for r in self.empty_rows[:10])
            more = " and more" if len(self.empty_rows) > 10 else ""
            out.append(
                f"{len(self.empty_rows)} rows have no answers and are left out: {rows}{more}."
            )
        for name, n in sorted(self.unknown_organisations.items()):
            out.append(
                f"The organisation {_quote(name)} ({_n(n, 'row')}) is not in the partnership; "
                "its rows are left out."
            )
        out.extend(self.text_problems[:20])
        if len(self.text_problems) > 20:
            out.append(
                f"{len(self.text_problems) - 20} more rows are left out for the same reason."
            )
        return out


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _quote(text: str, limit: int = 60) -> str:
    """Text from the file, for a message: one line, printable, cut short, quoted."""
    text = "".join(c if c.isprintable() else " " for c in " ".join(text.split()))
    return "'" + (text[:limit] + "…" if len(text) > limit else text) + "'"


def check_mapping(
    sheet: ResponseSheet,
    mapping: ResponseMapping,
    questionnaire: Questionnaire,
    organisations: dict[str, str],
) -> MappingReport:
    """Check a mapping against the sheet: ``organisations`` maps word_key(name) to id (the
    partnership's organisations). ExchangeError if the mapping names a column the sheet
    does not have, a statement the questionnaire does not have, or no organisation column."""
    if not mapping.organisation:
        raise ExchangeError("Say which column holds each respondent's organisation.")
    if mapping.questionnaire_id != questionnaire.id:
        raise ExchangeError(
            f"The mapping is for questionnaire '{mapping.questionnaire_id}', "
            f"not '{questionnaire.id}'."
        )
    item_ids = {item.id for item in questionnaire.items}
    columns: list[tuple[int, str]] = []
    for header, item_id in mapping.columns.items():
        if item_id not in item_ids:
            raise ExchangeError(
                f"Column '{header[:40]}' is matched to statement '{item_id[:40]}', which "
                f"questionnaire '{questionnaire.id}' does not have."
            )
        columns.append((sheet.column(header), item_id))
    if len({i for _, i in columns}) != len(columns):
        raise ExchangeError("Two columns are matched to the same statement; match each once.")
    org_col = sheet.column(mapping.organisation)
    who_col = sheet.column(mapping.respondent) if mapping.respondent else None
    role_col = sheet.column(mapping.role) if mapping.role else None
    unknown_words: dict[str, int] = {}
    empty: list[int] = []
    unknown_orgs: dict[str, int] = {}
    planned: list[PlannedResponse] = []
    text_problems: list[str] = []

    def line(number: int, header: str, value: str, what: str) -> str | None:
        # The store's rule for one-line text; a row that breaks it is reported, not stored.
        try:
            return textrules.line(value, what)
        except textrules.TextRuleError:
            length = len(textrules.clean_line(value))
            text_problems.append(
                f"Row {number} is left out: its {what} (column {_quote(header)}) is "
                f"{length:,} characters long, and at most {textrules.LINE_MAX:,} are allowed."
            )
            return None

    for number, row in enumerate(sheet.rows, start=2):
        answers: dict[str, int | Unrated] = {}
        for col, item_id in columns:
            text = row[col].strip()
            if not text:
                continue
            key = word_key(text)
            if key not in mapping.words:
                unknown_words[text] = unknown_words.get(text, 0) + 1
            elif mapping.words[key] is not None:
                answers[item_id] = mapping.words[key]
        if not answers:
            empty.append(number)
            continue
        org_name = line(number, mapping.organisation, row[org_col], "organisation name")
        if org_name is None:
            continue
        org_id = organisations.get(word_key(org_name))
        if org_id is None:
            unknown_orgs[org_name] = unknown_orgs.get(org_name, 0) + 1
            continue
        respondent = role = ""
        if who_col is not None:
            respondent = line(number, mapping.respondent, row[who_col], "respondent name")
        if role_col is not None and respondent is not None:
            role = line(number, mapping.role, row[role_col], "respondent role")
        if respondent is None or role is None:
            continue
        planned.append(PlannedResponse(number, org_id, respondent, role, answers))
    mapped_items = {i for _, i in columns}
    used = {*mapping.columns, mapping.organisation, mapping.respondent, mapping.role}
    return MappingReport(
        questionnaire.id,
        dict(mapping.columns),
        tuple(h for h in sheet.headers if h not in used),
        tuple(item.id for item in questionnaire.items if item.id not in mapped_items),
        unknown_words,
        tuple(empty),
        unknown_orgs,
        tuple(planned),
        tuple(text_problems),
    )


@dataclass(frozen=True)
class ResponseRows:
    """The rows an import of responses writes, built in memory before the write lock is
    taken: each response becomes one submitted individual assessment with its answers,
    and the change log records what answering it one rating at a time would have:
    created, each rating, then submitted."""

    ids: tuple[str, ...]
    assessments: list[dict]
    answers: list[dict]
    change_log: list[dict]


def response_rows(
    responses: Sequence[PlannedResponse],
    round_id: str,
    questionnaire: Questionnaire,
    *,
    new_id: Callable[[], str],
    stamp: str,
    changed_by: str = "",
) -> ResponseRows:
    """The rows for ``responses`` (see ResponseRows). Names and roles were cleaned by
    textrules in check_mapping; they are checked again here, as the store would."""
    ids: list[str] = []
    assessments: list[dict] = []
    answers: list[dict] = []
    log: list[dict] = []
    for response in responses:
        aid = new_id()
        ids.append(aid)
        name = textrules.line(response.respondent, "respondent name") or None
        entry = {"changed_at": stamp, "changed_by": changed_by, "assessment_id": aid}
        log.append(
            {**entry, "item_id": None, "field": "created", "old_value": None, "new_value": "draft"}
        )
        last_item = None
        for item_id, value in response.answers.items():
            rating = value if isinstance(value, int) else None
            unrated = None if rating is not None else Unrated(value).value
            answers.append(
                {
                    "assessment_id": aid,
                    "item_id": item_id,
                    "rating": rating,
                    "unrated": unrated,
                    "target": None,
                    "comment": "",
                    "updated_at": stamp,
                }
            )
            log.append(
                {
                    **entry,
                    "item_id": item_id,
                    "field": "rating",
                    "old_value": None,
                    "new_value": str(rating) if rating is not None else unrated,
                }
            )
            last_item = item_id
        log.append(
            {
                **entry,
                "item_id": None,
                "field": "status",
                "old_value": "draft",
                "new_value": "submitted",
            }
        )
        assessments.append(
            {
                "id": aid,
                "round_id": round_id,
                "organisation_id": response.organisation_id,
                "questionnaire_id": questionnaire.id,
                "questionnaire_version": questionnaire.version,
                "kind": AssessmentKind.INDIVIDUAL.value,
                "status": "submitted",
                "respondent_name": name,
                "respondent_role": textrules.line(response.role, "respondent role"),
                "workshop_id": None,
                # Where answering one rating at a time left it: the last statement written.
                "position": last_item,
                "created_at": stamp,
                "updated_at": stamp,
                "submitted_at": stamp,
            }
        )
    # Answers in primary-key order: the B-tree takes them with fewer page splits.
    answers.sort(key=lambda r: (r["assessment_id"], r["item_id"]))
    return ResponseRows(tuple(ids), assessments, answers, log)
