"""The command line: ``ics-assess`` (or ``python main.py ARGS``).

Every command takes ``--db PATH`` (default: the user's database, or ``ICS_ASSESS_DB``).
Errors are one sentence on stderr with exit code 1 (2 for usage errors), never a
traceback. ``--json`` shapes are documented in docs/cli.md and kept stable.

The services (and with them the store, sqlite-utils, the exchange formats and reportlab)
are imported by the commands that use them, after the arguments are parsed: ``--version``,
``--help`` and a usage error need none of it (tests/test_cli_startup.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__, paths

if TYPE_CHECKING:
    from .services import AssessmentDetail, Services


class CommandError(Exception):
    """A failure to report as one sentence with exit code 1."""


class UsageError(CommandError):
    """Options that do not fit together: one sentence, exit code 2, like argparse's own."""

    def __init__(self, message: str, command: str):
        super().__init__(message)
        self.command = command


# --- output helpers ---------------------------------------------------------------------
#
# Names, comments and file names come from bundles, spreadsheets and the command line,
# so they may hold terminal control sequences (ESC ] 0 ; ... BEL sets the window title,
# ESC [ 2 J clears the screen). Everything the CLI writes passes through _SafeStream
# (installed by main), which shows every control character as an escape, \x1b, instead
# of sending it to the terminal: C0 controls except the line breaks and tabs of the
# CLI's own layout, DEL, and C1 (U+0080-U+009F). On stderr each write is one line: a
# line break inside it (from a file name, say) is shown as \n, so an error stays one
# line. JSON output escapes the same characters as \u escapes, so it stays JSON.

# Lone surrogates (a file name's undecodable bytes) are shown escaped too: they cannot
# be written to a UTF-8 terminal at all.
_LAYOUT_SAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # keeps \t, \n
_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_JSON_RAW = re.compile("[\x7f-\x9f\ud800-\udfff]")  # left raw by ensure_ascii=False
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return _ESCAPES.get(match.group()) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """``text`` with every control character but line breaks and tabs shown as an escape."""
    return _LAYOUT_SAFE.sub(_escape, text)


def one_line(text: object) -> str:
    """``text`` as one line: every control character, line breaks too, shown escaped."""
    return _ONE_LINE.sub(_escape, str(text))


class _SafeStream:
    """A text stream that shows control characters escaped (see above); with
    ``one_line``, a line break is kept only at the end of each write."""

    def __init__(self, stream: TextIO, *, one_line: bool):
        self._stream = stream
        self._one_line = one_line

    def write(self, text: str) -> int:
        if self._one_line:
            body = text.rstrip("\n")
            text = one_line(body) + "\n" * (len(text) - len(body))
        else:
            text = visible(text)
        self._stream.write(text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _safe_output() -> Iterator[None]:
    """Route sys.stdout and sys.stderr through _SafeStream while a command runs."""
    out, err = sys.stdout, sys.stderr
    if out is not None and not isinstance(out, _SafeStream):
        sys.stdout = _SafeStream(out, one_line=False)
    if err is not None and not isinstance(err, _SafeStream):
        sys.stderr = _SafeStream(err, one_line=True)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def _print_json(data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    # Below U+0020 json.dumps escapes already; DEL and C1 only inside strings, as \u.
    sys.stdout.write(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
    sys.stdout.write("\n")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    rows = [[one_line(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(cell))) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = zip(row, widths, strict=True)
        lines.append("  ".join(str(c).ljust(w) for c, w in cells).rstrip())
    return "\n".join(lines)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _round_or_none(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _count(n: int, noun: str) -> str:
    """'1 workshop', '2 workshops'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _db_path(args: argparse.Namespace) -> Path:
    """The database file named by --db, or the default."""
    given = getattr(args, "db", None)
    if given is not None and not given.strip():
        raise CommandError("--db needs the path of a database file.")
    return Path(given).expanduser() if given is not None else paths.default_db_path()


def _open(
    args: argparse.Namespace, *, create: bool = False, write: bool = True, check: bool = True
) -> Services:
    """Open the database named by --db (or the default). Only commands that add records
    create a missing database; the others say it is missing, so a mistyped path is
    never mistaken for an empty database. Commands that only read open it with
    ``write=False``: read-only, so nothing is written to the file or beside it (no
    upgrade, no backup, no -wal), and a read-only file or folder can still be read.
    ``check=False`` only for a command that checks the file itself (``check``)."""
    from .services import MissingDatabaseError, Services

    db = _db_path(args)
    try:
        services = Services.open(db, create=create, readonly=not write, check=check)
    except MissingDatabaseError:
        raise CommandError(
            f"There is no database at {db}. Check the path, or create one with "
            "'ics-assess demo' or by starting an assessment in the app."
        ) from None
    for warning in services.forms_warnings():
        print(f"warning: {warning}", file=sys.stderr)
    return services


def _is_fresh(db: Path) -> bool:
    """True when ``db`` holds no database yet: missing, or an empty file."""
    try:
        return not db.exists() or (db.is_file() and db.stat().st_size == 0)
    except OSError:
        return False


class _FreshDatabase:
    """What was at ``db`` before a command that may create a database there, so that
    everything it made can go again when the command is refused or fails: the file (or
    an empty file, left empty as it was), its -wal, -shm and -journal, the backups made
    of it and any folder created for them or for the file. A database that was already
    there is left to the command's own all-or-nothing transactions: ``undo`` does
    nothing to it."""

    def __init__(self, db: Path):
        self.db = db.absolute()
        self.fresh = _is_fresh(db)
        self.was_empty_file = self.fresh and self.db.exists()
        self.sidecars = [self.db.with_name(self.db.name + s) for s in ("-wal", "-shm", "-journal")]
        self.sidecars_before = {p for p in self.sidecars if p.exists()}
        self.backups = paths.backups_dir(self.db)
        self.made_folders = [f for f in (self.backups, *self.db.parents) if not f.exists()]
        self.backups_before = set(self.backups.iterdir()) if self.backups.is_dir() else set()

    def undo(self) -> None:
        """Remove what was made since (connections must be closed first)."""
        if not self.fresh:
            return
        db = self.db
        with contextlib.suppress(OSError):
            for side in self.sidecars:
                if side not in self.sidecars_before:
                    side.unlink(missing_ok=True)
            if not self.was_empty_file:
                db.unlink(missing_ok=True)
            elif db.is_file() and db.stat().st_size:
                os.truncate(db, 0)
            if self.backups.is_dir():
                for entry in set(self.backups.iterdir()) - self.backups_before:
                    if entry.name.startswith((db.stem, f".{db.stem}")):
                        entry.unlink(missing_ok=True)
        for folder in sorted(self.made_folders, key=lambda f: len(f.parts), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty

    @contextlib.contextmanager
    def undone_on_failure(self) -> Iterator[None]:
        """Undo when the block raises."""
        try:
            yield
        except BaseException:
            self.undo()
            raise


def _undone_on_failure(db: Path) -> contextlib.AbstractContextManager[None]:
    """A block after which a database ``db`` created in it goes again if it raised."""
    return _FreshDatabase(db).undone_on_failure()


# --- forms ------------------------------------------------------------------------------


def cmd_forms_list(args: argparse.Namespace) -> int:
    from .questionnaires import load_catalogue

    catalogue = load_catalogue(paths.forms_dirs())
    for warning in catalogue.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    entries = sorted(
        catalogue.entries.values(),
        key=lambda e: (e.questionnaire.title.lower(), e.questionnaire.version),
    )
    if args.json:
        _print_json(
            [
                {
                    "id": e.questionnaire.id,
                    "version": e.questionnaire.version,
                    "title": e.questionnaire.title,
                    "sections": len(e.questionnaire.sections),
                    "items": len(e.questionnaire.items),
                    "path": str(e.path) if e.path else None,
                    "bands": [_band_json(b) for b in e.questionnaire.bands],
                    "replaces": {
                        item.id: list(item.replaces)
                        for item in e.questionnaire.items
                        if item.replaces
                    },
                }
                for e in entries
            ]
        )
        return 0
    if not entries:
        print("No questionnaires found in: " + ", ".join(str(p) for p in paths.forms_dirs()))
        return 0
    rows = [
        (
            e.questionnaire.id,
            e.questionnaire.version,
            e.questionnaire.title,
            str(len(e.questionnaire.sections)),
            str(len(e.questionnaire.items)),
        )
        for e in entries
    ]
    print(_table(("ID", "VERSION", "TITLE", "SECTIONS", "ITEMS"), rows))
    return 0


def _band_json(band) -> dict[str, Any]:
    """One band of a questionnaire as `forms list --json` gives it (docs/cli.md)."""
    return {"name": band.name, "below": band.below, "descriptor": band.descriptor or None}


def cmd_forms_check(args: argparse.Namespace) -> int:
    from .profile import PROFILE_FILENAME, check_profile_file, load_profile
    from .questionnaires import check_file

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path} does not exist or is not a file.")
    if path.name == PROFILE_FILENAME:
        # The partnership profile's facts (docs/profile-format.md): a user's file may
        # refer to the shipped facts, so it is checked beside them.
        shipped = paths.builtin_forms_dir() / PROFILE_FILENAME
        own = shipped.exists() and path.resolve() == shipped.resolve()
        known = [] if own else load_profile([paths.builtin_forms_dir()]).facts
        problems, what = check_profile_file(path, known), "profile file"
    else:
        problems, what = check_file(path), "questionnaire"
    if not problems:
        print(f"{path}: OK")
        return 0
    for problem in problems:
        print(str(problem), file=sys.stderr)
    noun = "problem" if len(problems) == 1 else "problems"
    print(f"{path}: {len(problems)} {noun}; the {what} cannot be used.", file=sys.stderr)
    return 1


# --- demo -------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DEMO_PARTNERSHIP_NAME, build_demo

    with _undone_on_failure(_db_path(args)), _open(args, create=True) as services:
        if any(p.name == DEMO_PARTNERSHIP_NAME for p in services.partnerships()):
            print(f"The demo partnership is already in {services.db_path}; nothing was added.")
            return 0
        summary = build_demo(services)
        print(
            f"Added the demo partnership '{DEMO_PARTNERSHIP_NAME}' to {services.db_path}: "
            f"{_count(summary.organisations, 'organisation')}, "
            f"{_count(summary.rounds, 'round')}, {_count(summary.assessments, 'assessment')}, "
            f"{_count(summary.workshops, 'workshop')}, {_count(summary.actions, 'action')}."
        )
    return 0


# --- list and show ----------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    with _open(args, write=False) as services:
        summaries = services.list_assessments()
    if args.json:
        _print_json(
            [
                {
                    "id": s.assessment.id,
                    "partnership": s.partnership_name,
                    "round": s.round_name,
                    "round_id": s.assessment.round_id,
                    "organisation": s.organisation_name,
                    "organisation_id": s.assessment.organisation_id,
                    "partner_type": s.partner_type.value,
                    "sector": s.partner_type.sector.value,
                    "questionnaire_id": s.assessment.questionnaire_id,
                    "questionnaire_version": s.assessment.questionnaire_version,
                    "questionnaire": s.questionnaire_title,
                    "kind": s.assessment.kind.value,
                    "respondent": s.assessment.respondent_name,
                    "role": s.assessment.respondent_role,
                    "status": s.assessment.status.value,
                    "answered": s.answered,
                    "items": s.total_items,
                    "updated_at": s.assessment.updated_at,
                }
                for s in summaries
            ]
        )
        return 0
    if not summaries:
        print("No assessments yet. Try 'ics-assess demo' to load a demonstration partnership.")
        return 0
    rows = [
        (
            s.assessment.id[:8],
            s.organisation_name,
            s.partner_type.value,
            s.assessment.questionnaire_id,
            s.round_name,
            s.assessment.respondent_label,
            s.assessment.status.value,
            f"{s.answered}/{s.total_items}",
        )
        for s in summaries
    ]
    headers = ("ID", "ORGANISATION", "PARTNER TYPE", "QUESTIONNAIRE", "ROUND", "RESPONDENT")
    print(_table((*headers, "STATUS", "ANSWERED"), rows))
    print(f"\n{len(rows)} assessments. Ids are shortened; 'show' takes any unique beginning.")
    return 0


def detail_json(detail: AssessmentDetail) -> dict[str, Any]:
    """The documented JSON shape of one assessment (docs/cli.md)."""
    from .domain import statement_numbers

    a, q, score = detail.assessment, detail.questionnaire, detail.score
    numbers = statement_numbers(q)
    sections = []
    for section in q.sections:
        s = score.section(section.id)
        items = []
        for item in section.items:
            answer = detail.answers.get(item.id)
            items.append(
                {
                    "id": item.id,
                    "number": numbers[item.id],
                    "statement": item.statement,
                    "weight": item.weight,
                    "reverse": item.reverse,
                    "replaces": list(item.replaces),
                    "rating": answer.rating if answer else None,
                    "response": _response(answer),
                    "target": answer.target if answer else None,
                    "comment": answer.comment if answer else "",
                    "evidence": answer.evidence if answer else "",
                }
            )
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "reported": s.reported,
                "mean": _round_or_none(s.mean),
                "percent": _round_or_none(s.percent, 1),
                "band": s.band.name if s.band else None,
                "rated": s.rated,
                "dont_know": s.dont_know,
                "not_applicable": s.not_applicable,
                "unanswered": s.unanswered,
                "items": items,
            }
        )
    return {
        "id": a.id,
        "partnership": {"id": detail.partnership.id, "name": detail.partnership.name},
        "round": {"id": detail.round.id, "name": detail.round.name},
        "organisation": {
            "id": detail.organisation.id,
            "name": detail.organisation.name,
            "partner_type": detail.organisation.partner_type.value,
            "sector": detail.organisation.sector.value,
        },
        "questionnaire": {"id": q.id, "version": q.version, "title": q.title},
        "kind": a.kind.value,
        "respondent": a.respondent_name,
        "role": a.respondent_role,
        "status": a.status.value,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "submitted_at": a.submitted_at,
        "answered": detail.answered,
        "items": len(q.items),
        "score": {
            "mean": _round_or_none(score.mean),
            "percent": _round_or_none(score.percent, 1),
            "band": score.band.name if score.band else None,
            "band_descriptor": (score.band.descriptor or None) if score.band else None,
            "unreported_sections": [s.section_id for s in score.unreported],
            "sections_scored": score.sections_scored,
            "provisional": score.provisional,
        },
        "sections": sections,
    }


def _response(answer) -> str:
    if answer is None or not answer.is_answered:
        return "unanswered"
    return "rating" if answer.rating is not None else answer.unrated.value


def _answer_text(answer, q) -> str:
    if answer is None or not answer.is_answered:
        return "(unanswered)"
    if answer.unrated is not None:
        from .domain import Unrated

        return Unrated(answer.unrated).label
    return f"{answer.rating} {q.scale_label(answer.rating)}"


def cmd_show(args: argparse.Namespace) -> int:
    with _open(args, write=False) as services:
        detail = services.detail(services.resolve_assessment_id(args.id))
    if args.json:
        _print_json(detail_json(detail))
        return 0
    a, q, score = detail.assessment, detail.questionnaire, detail.score
    # Names are one line each here (a line break in one is shown as \n); comments keep theirs.
    out = [
        f"{one_line(q.title)} (version {one_line(q.version)})",
        f"{one_line(detail.organisation.name)} ({detail.organisation.partner_type.label}), "
        f"{one_line(detail.partnership.name)}",
        f"Round: {one_line(detail.round.name)}",
        f"Respondent: {one_line(a.respondent_label)}"
        + (f", {one_line(a.respondent_role)}" if a.respondent_role else ""),
        f"Kind: {a.kind.value}   Status: {a.status.value}   "
        f"Answered: {detail.answered} of {len(q.items)}",
        f"Id: {a.id}",
        "",
    ]
    if score.mean is None:
        out.append("Overall: not enough answers to score")
    else:
        out.append(
            f"Overall: {score.mean:.2f} of 5, {score.percent:.0f}%, {score.band.name}"
            + (f" (provisional: {score.basis})" if score.provisional else "")
        )
        if score.band.descriptor:  # what the band looks like for this questionnaire
            out.append(
                f"  What {one_line(score.band.name)} looks like: {one_line(score.band.descriptor)}"
            )
    for s in score.unreported:
        out.append(
            f"  (not scored: {one_line(s.title)}; its rated statements carry less than half "
            "its weight)"
        )
    from .domain import statement_numbers

    numbers = statement_numbers(q)  # "2.3", as the window and the reports number them
    for n, section in enumerate(q.sections, start=1):
        s = score.section(section.id)
        result = (
            f"{s.mean:.2f}, {s.percent:.0f}%, {s.band.name}" if s.reported else "not enough answers"
        )
        out += ["", f"== {n}. {one_line(section.title)}: {result}"]
        for item in section.items:
            answer = detail.answers.get(item.id)
            flag = " (reverse-scored)" if item.reverse else ""
            out.append(
                f"  {numbers[item.id]} [{one_line(item.id)}] {one_line(item.statement)}{flag}"
            )
            line = f"      {_answer_text(answer, q)}"
            if answer and answer.target is not None:
                line += f"   target {answer.target}"
            out.append(line)
            if answer and answer.comment:
                for comment_line in answer.comment.splitlines():
                    out.append(f"      > {comment_line}")
            if answer and answer.evidence.strip():
                references = [one_line(x) for x in answer.evidence.splitlines() if x.strip()]
                out.append(f"      Evidence: {'; '.join(references)}")
    print("\n".join(out))
    return 0


# --- report -----------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace) -> int:
    by_organisation = args.organisation is not None or args.round is not None
    if args.id and by_organisation:
        raise UsageError(
            "give either an assessment ID or --organisation and --round, not both", "report"
        )
    if not args.id and not by_organisation:
        raise UsageError("give an assessment ID, or --organisation and --round", "report")
    if by_organisation and (not args.organisation or not args.round):
        raise UsageError("--organisation and --round go together; give both", "report")
    if not args.output.strip():
        raise UsageError("-o needs the path of the PDF file to write", "report")
    output = Path(args.output).expanduser()
    with _open(args, write=False) as services:
        if args.id:
            assessment_id = services.resolve_assessment_id(args.id)
            result = services.report_assessment(assessment_id, output)
        else:
            organisation = services.resolve_organisation(args.organisation)
            rnd = services.resolve_round(args.round, organisation.partnership_id)
            result = services.report_organisation(organisation.id, rnd.id, output)
    print(f"Wrote the report to {result.path} ({_count(result.pages, 'page')}).")
    return 0


# --- compare ----------------------------------------------------------------------------

COMPARE_SUFFIXES = (".pdf", ".csv", ".xlsx")


def _compared(comparison) -> str:
    """'9 organisations' (organisation view) or '14 individual views'."""
    if comparison.kind.value == "organisation":
        return _count(len(comparison.headline.by_organisation), "organisation")
    return _count(comparison.submitted, "individual view")


def cmd_compare(args: argparse.Namespace) -> int:
    output, pages = None, None
    if args.output is not None:
        if not args.output.strip():
            raise UsageError(
                "-o needs the path of the .pdf, .csv or .xlsx file to write", "compare"
            )
        output = Path(args.output).expanduser()
        if output.suffix.lower() not in COMPARE_SUFFIXES:
            raise UsageError(
                f"-o {args.output} is not a .pdf, .csv or .xlsx file; name it like "
                "comparison.pdf, comparison.csv or comparison.xlsx",
                "compare",
            )
    if (output is None) == (not args.json):
        raise UsageError("give exactly one of -o FILE (.pdf, .csv or .xlsx) and --json", "compare")
    if not args.questionnaire.strip():
        raise UsageError("--questionnaire needs a questionnaire id (see 'forms list')", "compare")
    since_text = args.since.strip() if args.since is not None else None
    from .services import PREVIOUS

    with _open(args, write=False) as services:
        rnd = services.find_compared_round(args.round, args.partnership)
        since: str | None = PREVIOUS
        if since_text is not None:
            if since_text.lower() == "none":
                since = None
            else:
                since = services.find_compared_round(since_text, rnd.partnership_id).id
        comparison = services.compare(
            round_id=rnd.id,
            questionnaire_id=args.questionnaire.strip(),
            kind=args.kind,
            since=since,
        )
        if args.json:
            document = services.comparison_document(comparison)
        elif output.suffix.lower() == ".pdf":
            report = services.report_comparison(comparison, output)
            written, pages = report.path, report.pages
        else:
            written = services.export_comparison(comparison, output)
    if args.json:
        _print_json(document)
        return 0
    q = comparison.questionnaire
    line = (
        f"Wrote the comparison of {_compared(comparison)} ({q.id} {q.version}, {rnd.name}) "
        f"to {written}"
    )
    if pages is not None:
        line += f" ({_count(pages, 'page')})"
    if comparison.empty and comparison.notes:
        line += f": {comparison.notes[0]}"
    else:
        line += "."
    print(line)
    return 0


# --- export and import ----------------------------------------------------------------

KIND_NOUNS = (
    ("partnerships", "partnership"),
    ("organisations", "organisation"),
    ("rounds", "round"),
    ("questionnaires", "questionnaire"),
    ("workshops", "workshop"),
    ("assessments", "assessment"),
    ("actions", "action"),
)


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / (1024 * 1024):,.1f} MB"


def cmd_export(args: argparse.Namespace) -> int:
    if not args.ids and not args.round:
        raise UsageError("give the assessment IDs to export, or --round ROUND", "export")
    if not args.output.strip():
        raise UsageError("-o needs the path of the bundle file to write", "export")
    output = Path(args.output).expanduser()
    with _open(args, write=False) as services:
        ids = list(dict.fromkeys(services.resolve_assessment_id(i) for i in args.ids))
        round_ids = list(dict.fromkeys(services.find_round(r).id for r in args.round))
        result = services.export_assessments(ids, output, round_ids=round_ids)
    c = result.counts
    answers = f"{c['answers']:,} answer{'' if c['answers'] == 1 else 's'}"
    parts = [
        f"{_count(c['assessments'], 'assessment')} ({answers})",
        _count(c["workshops"], "workshop"),
        _count(c["actions"], "action"),
        _count(c["questionnaires"], "questionnaire version"),
    ]
    print(f"Wrote {', '.join(parts[:-1])} and {parts[-1]} to {result.path} ({_size(result.size)}).")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_answers(args: argparse.Namespace) -> int:
    if not args.ids and not args.round:
        raise UsageError("give the assessment IDs to export, or --round ROUND", "answers")
    if not args.output.strip():
        raise UsageError("-o needs the path of the .csv or .xlsx file to write", "answers")
    output = Path(args.output).expanduser()
    with _open(args, write=False) as services:
        ids = list(dict.fromkeys(services.resolve_assessment_id(i) for i in args.ids))
        round_ids = list(dict.fromkeys(services.find_round(r).id for r in args.round))
        result = services.export_answers(
            ids, output, round_ids=round_ids, individual_names=args.individual_names
        )
    rows = f"{result.rows:,} row{'' if result.rows == 1 else 's'}"
    print(
        f"Wrote {_count(result.assessments, 'assessment')} ({rows}) to {result.path} "
        f"({_size(result.size)})."
    )
    return 0


MAP_BYTES = 1024 * 1024


def _read_map(path: Path, services: Services, questionnaire_id: str):
    q = services.latest_questionnaire(questionnaire_id).questionnaire
    try:
        with path.open("rb") as f:
            data = f.read(MAP_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"The mapping file {path} cannot be read ({exc.strerror}).") from None
    if len(data) > MAP_BYTES:
        raise CommandError(f"The mapping file {path} is bigger than 1 MB; it cannot be one.")
    try:
        parsed = json.loads(
            data.decode("utf-8-sig"),
            object_pairs_hook=_no_repeated_keys,
            parse_constant=_no_constant,
        )
    except _RepeatedKeyError as exc:
        raise CommandError(
            f"The mapping file {path} gives the key '{_map_text(exc.key)}' twice; give it once."
        ) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CommandError(f"The mapping file {path} is not JSON text.") from None
    _check_map_shape(parsed, path, q.id)
    from .services import ResponseMapping

    return ResponseMapping.from_json(parsed, q)


MAP_TEXT_KEYS = ("questionnaire", "organisation", "respondent", "role")
MAP_KEYS = (*MAP_TEXT_KEYS, "columns", "words")


class _RepeatedKeyError(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKeyError(key)
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _map_text(text: str) -> str:
    """A header or key from a mapping file, for a message: one line, at most 40 long."""
    text = one_line(text)
    return text if len(text) <= 40 else text[:39] + "…"


def _map_kind(value: Any) -> str:
    """What a wrong value in a mapping file is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _check_map_shape(data: Any, path: Path, questionnaire_id: str) -> None:
    """Refuse a mapping file whose shape is not docs/spreadsheets.md's, in one sentence
    naming the key: an object of text fields, 'columns' mapping headers to statement ids
    (text) and 'words' mapping words to ratings (text, 1-5, or null)."""
    where = f"The mapping file {path}"
    if not isinstance(data, dict):
        raise CommandError(
            f"{where} holds {_map_kind(data)}; a mapping file holds one JSON object with "
            "the keys " + ", ".join(MAP_KEYS) + "."
        )
    for key in data:
        if key not in MAP_KEYS:
            raise CommandError(
                f"{where} has the key '{_map_text(key)}', which a mapping file does not "
                "have; its keys are " + ", ".join(MAP_KEYS) + "."
            )
    for key in MAP_TEXT_KEYS:
        if key in data and not isinstance(data[key], str):
            raise CommandError(
                f"{where} gives {_map_kind(data[key])} for '{key}', where the header of a "
                "column (text) belongs."
            )
    named = data.get("questionnaire", "")
    if named and named != questionnaire_id:
        raise CommandError(
            f"{where} is for the questionnaire '{_map_text(named)}' (its 'questionnaire'), "
            f"not '{questionnaire_id}'."
        )
    for key in ("columns", "words"):
        if key in data and not isinstance(data[key], dict):
            raise CommandError(
                f"{where} gives {_map_kind(data[key])} for '{key}', where an object belongs."
            )
    for header, item_id in data.get("columns", {}).items():
        if not isinstance(item_id, str):
            raise CommandError(
                f"{where} gives {_map_kind(item_id)} for the column '{_map_text(header)}' in "
                "'columns', where a statement's id (text) belongs."
            )
    for word, value in data.get("words", {}).items():
        rating = isinstance(value, int) and not isinstance(value, bool)
        if not (value is None or isinstance(value, str) or rating):
            raise CommandError(
                f"{where} gives {_map_kind(value)} for the word '{_map_text(word)}' in "
                "'words', where 1 to 5, dont_know, not_applicable or \"\" belongs."
            )


def cmd_responses(args: argparse.Namespace) -> int:
    if not args.organisation_column.strip():
        raise UsageError("--organisation-column needs the header of a column", "responses")
    file = Path(args.file).expanduser()
    from .services import Services

    sheet = Services.read_responses(file)
    with _undone_on_failure(_db_path(args)), _open(args) as services:
        rnd = services.find_round(args.round)
        if args.map:
            mapping = _read_map(Path(args.map).expanduser(), services, args.questionnaire)
        else:
            mapping = services.suggest_response_mapping(sheet, args.questionnaire)
        mapping.organisation = " ".join(args.organisation_column.split())
        if args.save_map:
            data = json.dumps(mapping.as_json(), indent=2, ensure_ascii=False) + "\n"
            from . import files

            saved = files.write_atomically(
                Path(args.save_map).expanduser(),
                data.encode("utf-8"),
                what="mapping file",
                example="mapping.json",
                error=CommandError,
            )
            print(f"Wrote the mapping to {saved}.")
        result = services.import_responses(sheet, mapping, rnd.id, dry_run=args.dry_run)
    for line in result.report.lines():
        print(line)
    if result.already_there:
        print(f"Skipped {_count(result.already_there, 'row')} imported before.")
    if args.dry_run:
        print("Dry run: nothing was imported.")
    elif result.created:
        print(
            f"Imported {_count(len(result.created), 'response')} as submitted individual "
            f"views in the round '{rnd.name}' (backup: {result.backup})."
        )
    else:
        print("Nothing new to import.")
    return 0


def _counted(counts: dict[str, int]) -> str:
    parts = [_count(counts[plural], noun) for plural, noun in KIND_NOUNS if counts[plural]]
    return ", ".join(parts) if parts else "nothing"


def _import_json(plan, db: Path, file: Path, *, applied: bool, dry_run: bool, choice, result):
    resolution = None
    if applied and choice is not None:
        resolution = "kept-mine" if choice == "keep-mine" else "took-theirs"
    # docs/cli.md: null unless --take-theirs replaced something (a backup is made before
    # every import, but only then does it hold records the import replaced).
    replaced = applied and choice == "take-theirs" and bool(plan.conflicts)
    return {
        "file": str(file.absolute()),
        "database": str(db.absolute()),
        "applied": applied,
        "dry_run": dry_run,
        "choice": choice,
        "added": plan.count("added"),
        "already_there": plan.count("same"),
        "conflicts": [
            {**c.as_json(), "resolution": resolution if applied else None} for c in plan.conflicts
        ],
        "answers_added": plan.answers_added if applied or dry_run else 0,
        "change_log_added": (result.changes_added if result else plan.changes_added)
        if applied or dry_run
        else 0,
        "backup": str(result.backup) if replaced and result and result.backup else None,
    }


def _plan_and_apply(args: argparse.Namespace, db: Path, bundle, choice):
    """The import's plan, and its result when it was applied (None when not). A file
    refused for a database that does not exist yet is refused before one is created;
    a failure after that is undone by the caller's _undone_on_failure."""
    if _is_fresh(db):
        # Checked against an empty database first: a dry run, or a file that would be
        # refused, creates nothing.
        from .services import Services

        plan = Services.plan_import_into_new_database(bundle)
        if args.dry_run or plan.blocking:
            return plan, None
    with _open(args, create=True) as services:
        plan = services.plan_import(bundle)
        refused = bool(plan.blocking) or (bool(plan.conflicts) and choice is None)
        if args.dry_run or refused:
            return plan, None
        result = services.apply_import(plan, choice)
    return plan, result


def cmd_import(args: argparse.Namespace) -> int:
    file = Path(args.file).expanduser()
    choice = "keep-mine" if args.keep_mine else "take-theirs" if args.take_theirs else None
    db = _db_path(args)
    from .services import Services

    bundle = Services.read_bundle(file)
    fresh = _FreshDatabase(db)
    with fresh.undone_on_failure():
        plan, result = _plan_and_apply(args, db, bundle, choice)
    conflicts = plan.conflicts
    refused = bool(plan.blocking) or (bool(conflicts) and choice is None)
    if refused:
        fresh.undo()  # "nothing was changed" must be true of a new database too
    applied = result is not None
    if args.json:
        _print_json(
            _import_json(
                plan, db, file, applied=applied, dry_run=args.dry_run, choice=choice, result=result
            )
        )
    added, same = plan.count("added"), plan.count("same")
    n_added, n_same = sum(added.values()), sum(same.values())
    if refused and not args.dry_run:
        if not args.json:
            for conflict in conflicts:
                print(f"conflict: {conflict.description}", file=sys.stderr)
        if plan.blocking:
            raise CommandError(
                f"{bundle.name} was not imported, nothing was changed: "
                f"{plan.blocking[0].description}."
            )
        raise CommandError(
            f"{bundle.name} has {_count(len(conflicts), 'record')} whose id is already in "
            f"{db} with different content; nothing was imported. Import again with "
            "--keep-mine to leave those as they are and import the rest, or --take-theirs "
            "to replace them with the file's (a backup is made first)."
        )
    if args.json:
        return 0
    changes = result.changes_added if result else plan.changes_added
    if args.dry_run:
        head = f"Checked {file.name} against {db}; nothing was written. Importing it would give:"
    else:
        head = f"Imported {file.name} into {db}:"
    resolution = ""
    if conflicts and not args.dry_run:
        resolution = " (kept yours)" if choice == "keep-mine" else " (replaced with the file's)"
    print(
        f"{head} {n_added:,} added, {n_same:,} already there, "
        f"{len(conflicts):,} {'conflict' if len(conflicts) == 1 else 'conflicts'}{resolution}."
    )
    added_text = _counted(added)
    if plan.answers_added:
        noun = _count(added["assessments"], "assessment")
        added_text = added_text.replace(noun, f"{noun} ({plan.answers_added:,} answers)")
    entries = "entry" if changes == 1 else "entries"
    print(f"  added: {added_text}; {changes:,} change-log {entries}")
    print(f"  already there: {_counted(same)}")
    for conflict in conflicts:
        print(f"  conflict: {conflict.description}")
    if result and result.backup:
        if conflicts and choice == "take-theirs":
            print(
                f"Your versions of the replaced records are in the backup {result.backup}; "
                "each replaced answer is also in the change log."
            )
        else:
            print(f"The database as it was before the import is in the backup {result.backup}.")
    return 0


# --- workshops --------------------------------------------------------------------------


def _workshop_row(s) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "held_on": s.held_on,
        "facilitator": s.facilitator,
        "partnership": s.partnership_name,
        "partnership_id": s.partnership_id,
        "round": s.round_name,
        "round_id": s.round_id,
        "questionnaire_id": s.questionnaire_id,
        "questionnaire_version": s.questionnaire_version,
        "questionnaire": s.questionnaire_title,
        "participants": s.participants,
        "handed_back": s.answered,
        "agreed": s.agreed,
        "not_agreed": s.not_agreed,
        "actions": s.actions,
    }


def cmd_workshop_list(args: argparse.Namespace) -> int:
    with _open(args, write=False) as services:
        summaries = services.workshops()
    if args.json:
        _print_json([_workshop_row(s) for s in summaries])
        return 0
    if not summaries:
        print("No workshops yet. Create one in the app (Workshops), or try 'ics-assess demo'.")
        return 0
    rows = [
        (
            s.id[:8],
            s.held_on or "-",
            s.title,
            s.round_name,
            s.questionnaire_id,
            f"{s.answered}/{s.participants}",
            str(s.agreed),
            str(s.not_agreed),
            str(s.actions),
        )
        for s in summaries
    ]
    headers = (
        "ID",
        "HELD",
        "TITLE",
        "ROUND",
        "QUESTIONNAIRE",
        "HANDED",
        "AGREED",
        "NOT",
        "ACTIONS",
    )
    print(_table(headers, rows))
    return 0


def _outcome_json(score) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "outcome": score.outcome.value,
        "rating": score.rating,
        "unrated": score.unrated.value if score.unrated else None,
        "target": score.target,
        "positions": [
            {"rating": p.rating, "sectors": [s.value for s in p.sectors]} for p in score.positions
        ],
        "reasoning": score.reasoning,
    }


def _action_json(action) -> dict[str, Any]:
    return {
        "id": action.id,
        "item_id": action.item_id,
        "section_id": action.section_id,
        "description": action.description,
        "owner": action.owner,
        "due_on": action.due_on,
        "status": action.status.value,
    }


def _workshop_json(view, summary) -> dict[str, Any]:
    """What ``workshop show --json`` prints: what the workshop report shows, by counts
    and outcomes, never one participant's ratings (docs/cli.md)."""
    taking_part = view.taking_part
    return {
        **_workshop_row(summary),
        "taking_part": {
            "participants": taking_part.expected,
            "handed_back": taking_part.answered,
            "still_answering": taking_part.still_answering,
            "organisations": taking_part.organisations,
            "by_sector": {k.value: v for k, v in taking_part.by_sector.items()},
            "by_partner_type": {k.value: v for k, v in taking_part.by_partner_type.items()},
            "shown": not view.too_few,
        },
        "agreed_score": {
            "mean": _round_or_none(view.agreed_score.mean),
            "band": view.agreed_score.band.name if view.agreed_score.band else None,
        },
        "participants_mean": _round_or_none(view.participants_overall),
        "sections": [
            {
                "id": s.section.id,
                "number": s.number,
                "title": s.section.title,
                "agreed_mean": _round_or_none(s.agreed.mean),
                "agreed_band": s.agreed.band.name if s.agreed.band else None,
                "participants_mean": _round_or_none(s.participants_mean),
                "participants_n": s.participants_n,
                "split": s.split,
                "reason": s.reason,
            }
            for s in view.sections
        ],
        "statements": [
            {
                "item_id": row.item.id,
                "number": row.number,
                "section_id": row.section_id,
                "statement": row.item.statement,
                "shown": row.shown,
                "n": row.n,
                "mean": _round_or_none(row.mean) if row.shown else None,
                "consensus": _round_or_none(row.spread.consensus) if row.shown else None,
                "split": row.split,
                "ratings": (
                    {str(point): total for point, total in row.totals.items()}
                    if row.shown
                    else None
                ),
                "dont_know": row.dont_know,
                "not_applicable": row.not_applicable,
                "agreed": _outcome_json(row.agreed),
                "actions": [a.id for a in view.actions_for(row.item.id)],
            }
            for row in view.statements
        ],
        "split_items": [row.item.id for row in view.split_items],
        "action_plan": [_action_json(a) for a in view.actions],
        "notes": list(view.notes),
    }


def _outcome_words(score) -> str:
    if score is None:
        return "no outcome recorded"
    if score.is_agreed:
        if score.rating is not None:
            return f"agreed {score.rating}"
        return f"agreed: {score.unrated.label.lower()}" if score.unrated else "agreed"
    held = "; ".join(
        f"{p.rating} held by {', '.join(s.label for s in p.sectors)}" for p in score.positions
    )
    return f"not agreed ({held})" if held else "not agreed"


def _action_words(action) -> str:
    """'Publish the plan. (owner: ICB; due 2027-01-31; open)'."""
    facts = [f"owner: {action.owner}"] if action.owner else []
    facts += [f"due {action.due_on}"] if action.due_on else []
    facts.append(action.status.value.replace("_", " "))
    return f"{action.description} ({'; '.join(facts)})"


def cmd_workshop_show(args: argparse.Namespace) -> int:
    with _open(args, write=False) as services:
        workshop_id = services.resolve_workshop_id(args.id)
        view = services.workshop_view(workshop_id)
        summary = services.workshop_summary(workshop_id)
    if args.json:
        _print_json(_workshop_json(view, summary))
        return 0
    w, tp = view.workshop, view.taking_part
    print(f"{w.title} ({w.id})")
    print(f"{view.partnership.name}, {view.round.name}")
    version = f"{w.questionnaire_id} {w.questionnaire_version}"
    print(f"Questionnaire: {view.questionnaire.title} ({version})")
    if w.held_on or w.facilitator:
        print(f"Held {w.held_on or 'on a date not given'}; facilitated by {w.facilitator or '-'}")
    print(
        f"Participants: {tp.expected} ({tp.answered} handed back, {tp.still_answering} still "
        f"answering), from {_count(tp.organisations, 'organisation')}"
    )
    if tp.by_sector:
        by_sector = ", ".join(f"{k.label} {v}" for k, v in tp.by_sector.items())
        print(f"  by sector: {by_sector}")
        by_type = ", ".join(f"{k.label} {v}" for k, v in tp.by_partner_type.items())
        print(f"  by partner type: {by_type}")
    print(f"Outcomes: {view.agreed_count} agreed, {view.not_agreed_count} not agreed")
    for note in view.notes:
        print(f"Note: {note}")
    print()
    rows = [
        (
            str(s.number),
            s.section.title,
            _fmt(s.agreed.mean, 1),
            _fmt(s.participants_mean, 1),
            "split" if s.split else "-",
        )
        for s in view.sections
    ]
    print(_table(("#", "SECTION", "AGREED", "PARTICIPANTS", "SPLIT"), rows))
    for row in view.statements:
        if row.agreed is None and not view.actions_for(row.item.id):
            continue
        print()
        spread = f"n {row.n}, mean {_fmt(row.mean, 1)}" if row.shown else "spread not shown"
        split = ", split" if row.split else ""
        print(f"{row.number} {row.item.statement}")
        print(f"  {_outcome_words(row.agreed)} ({spread}{split})")
        if row.agreed is not None and row.agreed.reasoning.strip():
            print(f"  Reasoning: {row.agreed.reasoning.strip()}")
        for action in view.actions_for(row.item.id):
            print(f"  Action: {_action_words(action)}")
    other = [a for a in view.actions if a.item_id is None]
    if other:
        print()
        print("Other actions of the workshop:")
        for action in other:
            print(f"  {_action_words(action)}")
    return 0


def cmd_workshop_report(args: argparse.Namespace) -> int:
    if not args.output.strip():
        raise UsageError("-o needs the path of the PDF file to write", "workshop report")
    output = Path(args.output).expanduser()
    with _open(args, write=False) as services:
        workshop_id = services.resolve_workshop_id(args.id)
        result = services.report_workshop(workshop_id, output)
    print(f"Wrote the workshop report to {result.path} ({_count(result.pages, 'page')}).")
    return 0


# --- actions ----------------------------------------------------------------------------


def _plan_action_json(services: Services, row) -> dict[str, Any]:
    a = row.action
    return {
        "id": a.id,
        "round_id": a.round_id,
        "round": row.round_name,
        "description": a.description,
        "owner": a.owner,
        "due_on": a.due_on,
        "status": a.status.value,
        "overdue": row.overdue,
        "organisation_id": a.organisation_id,
        "organisation": row.organisation_name or None,
        "questionnaire_id": a.questionnaire_id,
        "section_id": a.section_id,
        "item_id": a.item_id,
        "statement": row.statement or None,
        "workshop_id": a.workshop_id,
        "carried_from": a.carried_from,
        "carried_from_round": row.carried_from_round or None,
        "carried_to_round": row.carried_to_round or None,
        "history": [
            {
                "action_id": h.action_id,
                "round": h.round_name,
                "changed_at": h.changed_at,
                "field": h.field,
                "old_value": h.old_value,
                "new_value": h.new_value,
            }
            for h in services.action_history(a.id)
        ],
    }


def cmd_actions(args: argparse.Namespace) -> int:
    if args.output is not None and not args.output.strip():
        raise UsageError("-o needs the path of the file to write", "actions")
    if args.output is not None and args.json:
        raise UsageError("give -o FILE or --json, not both", "actions")
    filters = {"owner": args.owner, "status": args.status, "overdue_only": args.overdue}
    with _open(args, write=False) as services:
        rnd = services.find_round(args.round)
        if args.output is not None:
            output = Path(args.output).expanduser()
            if output.suffix.lower() == ".pdf":
                written = services.print_action_plan(rnd.id, output, **filters)
            else:
                written = services.export_action_plan(rnd.id, output, **filters)
            print(f"Wrote the action plan of {rnd.name} to {written}.")
            return 0
        rows = services.action_plan(rnd.id, **filters)
        if args.json:
            _print_json([_plan_action_json(services, r) for r in rows])
            return 0
    if not rows:
        print(f"No actions in {rnd.name} match.")
        return 0
    table_rows = [
        (
            r.action.id[:8],
            r.action.due_on or "-",
            r.status_words,
            r.action.owner or "-",
            r.action.description,
            r.carried_from_round and f"from {r.carried_from_round}",
        )
        for r in rows
    ]
    print(_table(("ID", "DUE", "STATUS", "OWNER", "ACTION", "CARRIED"), table_rows))
    return 0


# --- profile ----------------------------------------------------------------------------


def _profile_json(profile) -> dict[str, Any]:
    return {
        "partnership_id": profile.partnership_id,
        "partnership": profile.partnership_name,
        "round_id": profile.round_id,
        "round": profile.round_name,
        "facts": [
            {
                "id": e.fact.id,
                "label": e.fact.label,
                "group": e.fact.group or None,
                "unit": e.fact.unit,
                "computed": e.computed,
                "formula": e.fact.formula if e.computed else None,
                "value": e.value,
                "source": None if e.computed else e.source,
                "as_of": None if e.computed else (e.as_of or None),
                "updated_at": None if e.computed else (e.updated_at or None),
                "trend": [
                    {"round_id": t.round_id, "round": t.round_name, "value": t.value}
                    for t in e.trend
                ],
            }
            for e in profile.entries
        ],
        "undeclared": list(profile.undeclared),
        "warnings": list(profile.warnings),
    }


def cmd_profile(args: argparse.Namespace) -> int:
    with _open(args, write=False) as services:
        rnd = services.find_compared_round(args.round, args.partnership)
        profile = services.round_profile(rnd.id)
    if args.json:
        _print_json(_profile_json(profile))
        return 0
    for warning in profile.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    print(f"{profile.partnership_name} · {profile.round_name}: partnership profile")
    rows = [
        (
            e.fact.label + (" (computed)" if e.computed else ""),
            e.text or "-",
            e.source or "-",
            e.as_of or "-",
            e.trend_text or "-",
        )
        for e in profile.entries
    ]
    print(_table(("FACT", "VALUE", "SOURCE", "AS OF", "TREND"), rows))
    return 0


# --- review and concerns ------------------------------------------------------------------


def cmd_review(args: argparse.Namespace) -> int:
    output = None
    if args.output is not None:
        if not args.output.strip():
            raise UsageError("-o needs the path of the .pdf file to write", "review")
        output = Path(args.output).expanduser()
        if output.suffix.lower() != ".pdf":
            raise UsageError(
                f"-o {args.output} is not a .pdf file; name it like review.pdf", "review"
            )
        if args.json:
            raise UsageError("give -o FILE.pdf or --json, not both", "review")
    from .services import PREVIOUS

    with _open(args, write=False) as services:
        rnd = services.find_compared_round(args.round, args.partnership)
        since = PREVIOUS
        if args.since is not None and args.since.strip():
            since = services.find_compared_round(args.since, rnd.partnership_id).id
        review = services.review(rnd.id, since=since, kind=args.kind)
        if args.json:
            document = services.review_document(review)
        elif output is not None:
            report = services.report_review(review, output)
    if args.json:
        _print_json(document)
        return 0
    if output is not None:
        print(
            f"Wrote the review pack of {rnd.name} since {review.since.name} to "
            f"{report.path} ({_count(report.pages, 'page')})."
        )
        return 0
    print(f"{review.partnership.name}: {rnd.name} since {review.since.name}")
    for line in review.summary():
        print(f"- {line}")
    for n, concern in enumerate(review.concerns, start=1):
        print()
        print(f"Concern {n}: {concern.questionnaire_title}: {concern.label}")
        print(f"  raised by {concern.raised_by} in {concern.raised_in}")
        for q in concern.questions:
            print(f"  {q.question} {q.answer}")
    return 0


def _concern_json(row) -> dict[str, Any]:
    c = row.concern
    return {
        "id": c.id,
        "round_id": c.round_id,
        "round": row.round_name,
        "questionnaire_id": c.questionnaire_id,
        "questionnaire": row.questionnaire_title,
        "section_id": c.section_id,
        "statement_id": c.item_id,
        "label": row.label,
        "organisation_id": c.organisation_id,
        "raised_by": row.raised_by,
        "note": c.note,
        "created_at": c.created_at,
    }


def cmd_concerns_list(args: argparse.Namespace) -> int:
    with _open(args, write=False) as services:
        rnd = services.find_compared_round(args.round, args.partnership)
        rows = services.concern_rows(rnd.partnership_id, rnd.id)
    if args.json:
        _print_json([_concern_json(r) for r in rows])
        return 0
    if not rows:
        print(f"No concerns raised up to {rnd.name}.")
        return 0
    table_rows = [
        (r.concern.id[:8], r.round_name, r.raised_by, r.questionnaire_title, r.label) for r in rows
    ]
    print(_table(("ID", "RAISED IN", "BY", "QUESTIONNAIRE", "SECTION OR STATEMENT"), table_rows))
    return 0


def cmd_concerns_add(args: argparse.Namespace) -> int:
    if bool(args.section) == bool(args.statement):
        raise UsageError("give exactly one of --section and --statement", "concerns add")
    with _open(args) as services:
        rnd = services.find_compared_round(args.round, args.partnership)
        organisation_id = None
        if args.raised_by is not None and args.raised_by.strip():
            organisation_id = services.resolve_organisation(args.raised_by).id
        concern = services.add_concern(
            rnd.id,
            questionnaire_id=args.questionnaire.strip(),
            section_id=(args.section or "").strip() or None,
            item_id=(args.statement or "").strip() or None,
            organisation_id=organisation_id,
            note=args.note or "",
        )
        row = next(
            r for r in services.concern_rows(rnd.partnership_id) if r.concern.id == concern.id
        )
    print(
        f"Marked {row.label} as a concern raised by {row.raised_by} in {rnd.name} ({concern.id})."
    )
    return 0


def cmd_concerns_remove(args: argparse.Namespace) -> int:
    with _open(args) as services:
        concern_id = services.find_concern(args.id)
        services.remove_concern(concern_id)
    print(f"Removed the concern {concern_id}.")
    return 0


# --- check ------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    # services.check() runs SQLite's full integrity check: no quick check before it
    with _open(args, write=False, check=False) as services:
        report = services.check()
        where = services.db_path
    counts = report.counts
    summary = ", ".join(
        _count(counts[table], noun)
        for table, noun in (
            ("partnerships", "partnership"),
            ("organisations", "organisation"),
            ("rounds", "round"),
            ("assessments", "assessment"),
            ("answers", "answer"),
            ("workshops", "workshop"),
            ("actions", "action"),
        )
    )
    if report.problems:
        for problem in report.problems:
            print(f"problem: {problem}", file=sys.stderr)
        found = _count(len(report.problems), "problem")
        print(f"{where}: {found} found ({summary}).", file=sys.stderr)
        return 1
    print(f"{where}: OK ({summary}).")
    return 0


# --- parser -----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with a one-sentence usage error and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _kind_argument(parser: argparse.ArgumentParser) -> None:
    """--kind: which kind of response a comparison or review shows (one at a time)."""
    parser.add_argument(
        "--kind",
        choices=("organisation", "individual"),
        default="organisation",
        help="organisation responses (the default) or individual views",
    )


def _partnership_argument(parser: argparse.ArgumentParser) -> None:
    """--partnership: which partnership's round is meant, when a name is shared."""
    parser.add_argument(
        "--partnership",
        metavar="P",
        help="the partnership's id or name, when several have a round of that name",
    )


def _selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Which assessments a command works on: ids, and/or whole rounds."""
    parser.add_argument(
        "ids", metavar="ID", nargs="*", help="assessment ids, or unique beginnings of them"
    )
    parser.add_argument(
        "--round",
        metavar="ROUND",
        action="append",
        default=[],
        help="a round's id, unique beginning or exact name: export all of it (may be repeated)",
    )


class _EnumValues:
    """The values of an enum of domain.py as argparse ``choices``, read only when argparse
    checks a value or prints help, so that building the parser imports no domain.py."""

    def __init__(self, enum_name: str):
        self.enum_name = enum_name

    def _values(self) -> list[str]:
        from . import domain

        return [member.value for member in getattr(domain, self.enum_name)]

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser (DESIGN.md's contract)."""
    db_help = "the database file (default: $ICS_ASSESS_DB or the user's data directory)"
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help=db_help, default=argparse.SUPPRESS)

    parser = _Parser(
        prog="ics-assess",
        description="Self-assessment of Integrated Care System partnerships.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"ics-assess {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    forms = sub.add_parser("forms", help="the questionnaires", parents=[common])
    forms_sub = forms.add_subparsers(dest="forms_command", metavar="SUBCOMMAND")
    p = forms_sub.add_parser("list", help="list the questionnaires", parents=[common])
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_forms_list)
    p = forms_sub.add_parser("check", help="validate a questionnaire file", parents=[common])
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_forms_check)

    p = sub.add_parser("demo", help="load a demonstration partnership", parents=[common])
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("list", help="list the assessments", parents=[common])
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="one assessment with its answers and scores", parents=[common])
    p.add_argument("id", metavar="ID", help="an assessment id, or a unique beginning of one")
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "report",
        help="the PDF report of an assessment, or of an organisation in a round",
        parents=[common],
        description="Write the scored PDF report of one assessment (ID), or of every "
        "questionnaire an organisation answered in a round (--organisation and --round).",
    )
    p.add_argument(
        "id", metavar="ID", nargs="?", help="an assessment id, or a unique beginning of one"
    )
    p.add_argument(
        "--organisation",
        metavar="ORG",
        help="an organisation's id, a unique beginning of it, or its exact name",
    )
    p.add_argument(
        "--round",
        metavar="ROUND",
        help="a round of that organisation's partnership: id, unique beginning, or exact name",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE.pdf", required=True, help="the PDF file to write"
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "compare",
        help="compare a round's assessments of one questionnaire (PDF, CSV, XLSX or JSON)",
        parents=[common],
        description="Compare the assessments of one questionnaire in a round by method v2 "
        "(docs/scoring.md): the system score and coverage, sections and statements by "
        "sector, partner type and organisation, the gaps between the sectors, and the "
        "change since an earlier round. Write it with -o (.pdf, .csv or .xlsx) or print it "
        "with --json (docs/cli.md).",
    )
    p.add_argument(
        "--round",
        metavar="ROUND",
        required=True,
        help="the round: its id, a unique beginning of it, or its exact name",
    )
    p.add_argument(
        "--questionnaire", metavar="Q", required=True, help="the questionnaire's id (forms list)"
    )
    _kind_argument(p)
    p.add_argument(
        "--since",
        metavar="ROUND",
        help="the earlier round to show the change from (default: the round opened "
        "before; 'none' for no change)",
    )
    _partnership_argument(p)
    p.add_argument("-o", "--output", metavar="FILE", help="the .pdf, .csv or .xlsx file to write")
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "export",
        help="write assessments to an exchange bundle for another machine",
        parents=[common],
        description="Write the assessments (and, with --round, every assessment, workshop "
        "and action of a round) to one bundle file that 'ics-assess import' reads on "
        "another machine (docs/exchange-format.md).",
    )
    _selection_arguments(p)
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the bundle to write")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "answers",
        help="write answers to a spreadsheet (.csv or .xlsx)",
        parents=[common],
        description="Write the answers of assessments (and, with --round, of every "
        "assessment of a round) to a CSV or XLSX file, one row per statement "
        "(docs/spreadsheets.md).",
    )
    _selection_arguments(p)
    p.add_argument(
        "--individual-names",
        action="store_true",
        help="name the respondents of individual views (default: 'individual')",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the .csv or .xlsx file to write"
    )
    p.set_defaults(func=cmd_answers)

    p = sub.add_parser(
        "responses",
        help="import responses from an online form's spreadsheet (.csv or .xlsx)",
        parents=[common],
        description="Import a form's responses, one row per respondent and a column per "
        "statement, as submitted individual views in a round: columns are matched to "
        "statements and answers to ratings (or by --map), rows that do not fit are left "
        "out and reported (docs/spreadsheets.md).",
    )
    p.add_argument("file", metavar="FILE", help="the .csv or .xlsx file of responses")
    p.add_argument("--questionnaire", metavar="Q", required=True, help="the questionnaire's id")
    p.add_argument(
        "--round", metavar="ROUND", required=True, help="the round: id, unique beginning or name"
    )
    p.add_argument(
        "--organisation-column",
        metavar="COL",
        required=True,
        help="the header of the column naming each respondent's organisation",
    )
    p.add_argument("--map", metavar="MAP.json", help="a mapping file to use instead of guessing")
    p.add_argument("--save-map", metavar="MAP.json", help="write the mapping used, to edit")
    p.add_argument("--dry-run", action="store_true", help="check and report, but write nothing")
    p.set_defaults(func=cmd_responses)

    p = sub.add_parser(
        "import",
        help="read an exchange bundle into the database",
        parents=[common],
        description="Check a bundle file completely, then import all of it or nothing. "
        "Records already here are skipped; records whose id is here with different "
        "content are conflicts, which need --keep-mine or --take-theirs.",
    )
    p.add_argument("file", metavar="FILE", help="the bundle file to import")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument(
        "--keep-mine",
        action="store_true",
        help="leave conflicting records as they are here and import the rest",
    )
    choice.add_argument(
        "--take-theirs",
        action="store_true",
        help="replace conflicting records with the file's (the database is backed up first)",
    )
    p.add_argument("--dry-run", action="store_true", help="check and report, but write nothing")
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("check", help="check the database's integrity", parents=[common])
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "actions",
        help="a round's action plan (table, JSON, CSV, XLSX or PDF)",
        parents=[common],
        description="A round's action plan: each action with its owner, due date and "
        "status (overdue when due before today and neither done nor dropped), what it "
        "answers, and the round it was carried from.",
    )
    p.add_argument("--round", required=True, metavar="ROUND", help="a round's id or name")
    p.add_argument("--owner", metavar="OWNER", help="only this owner's actions")
    status = p.add_argument("--status", help="only actions with this status")
    # Set after add_argument, which would read the choices to check the usage it prints.
    status.choices = _EnumValues("ActionStatus")
    p.add_argument("--overdue", action="store_true", help="only the overdue actions")
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the plan to FILE.csv, FILE.xlsx or FILE.pdf instead",
    )
    p.set_defaults(func=cmd_actions)

    p = sub.add_parser(
        "profile",
        help="a round's partnership profile: facts, derived figures, trend (read-only)",
        parents=[common],
        description="A round's partnership profile: each fact declared in profile.toml "
        "with its value, source and date, the figures computed from them, and each one's "
        "values in the partnership's rounds up to this one.",
    )
    p.add_argument("--round", required=True, metavar="ROUND", help="a round's id or name")
    _partnership_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_profile)

    p = sub.add_parser(
        "review",
        help="the review pack of a round against an earlier one (PDF, JSON or text)",
        parents=[common],
        description="The review pack of a partnership between two rounds: what changed "
        "(system, sector and organisation scores per questionnaire, the gaps between "
        "sectors that narrowed or widened, the statements that moved most), the actions "
        "agreed in the earlier round and what became of each, the profile's facts then "
        "and now, and questions for the decision on each concern raised ('concerns'). "
        "Write it with -o FILE.pdf, print it with --json (docs/cli.md), or print the "
        "summary and the questions.",
    )
    p.add_argument("--round", required=True, metavar="ROUND", help="the round reviewed")
    p.add_argument(
        "--since",
        metavar="ROUND",
        help="the earlier round to review against (default: the round opened before)",
    )
    _kind_argument(p)
    _partnership_argument(p)
    p.add_argument("-o", "--output", metavar="FILE.pdf", help="the PDF file to write")
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_review)

    concerns = sub.add_parser(
        "concerns",
        help="concerns raised: the sections and statements the review asks about",
        parents=[common],
    )
    concerns_sub = concerns.add_subparsers(
        dest="concerns_command", metavar="SUBCOMMAND", parser_class=_Parser
    )
    p = concerns_sub.add_parser("list", help="the concerns raised up to a round", parents=[common])
    p.add_argument("--round", required=True, metavar="ROUND", help="a round's id or name")
    _partnership_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_concerns_list)
    p = concerns_sub.add_parser(
        "add",
        help="mark a section or statement as a concern raised in a round",
        parents=[common],
    )
    p.add_argument("--round", required=True, metavar="ROUND", help="the round it was raised in")
    _partnership_argument(p)
    p.add_argument(
        "--questionnaire", required=True, metavar="Q", help="the questionnaire's id (forms list)"
    )
    p.add_argument("--section", metavar="SECTION", help="a section's id (show --json)")
    p.add_argument("--statement", metavar="STATEMENT", help="a statement's id (show --json)")
    p.add_argument(
        "--raised-by",
        metavar="ORG",
        help="the organisation that raised it (id or name; default: the partnership)",
    )
    p.add_argument("--note", metavar="TEXT", help="their words")
    p.set_defaults(func=cmd_concerns_add)
    p = concerns_sub.add_parser("remove", help="remove a concern", parents=[common])
    p.add_argument("id", metavar="ID", help="a concern's id, or a unique beginning of one")
    p.set_defaults(func=cmd_concerns_remove)

    workshop = sub.add_parser(
        "workshop", help="facilitated workshops: list, show, report", parents=[common]
    )
    workshop_sub = workshop.add_subparsers(
        dest="workshop_command", metavar="SUBCOMMAND", parser_class=_Parser
    )
    p = workshop_sub.add_parser("list", help="list the workshops", parents=[common])
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_workshop_list)
    p = workshop_sub.add_parser(
        "show",
        help="one workshop: who took part (counts), each statement's outcome, the actions",
        parents=[common],
        description="Show a workshop as its report does: who took part, by sector and "
        "partner type counts only; each section's agreed score beside the participants' "
        "mean; each statement's outcome (agreed, or not agreed with the positions by "
        "sector), reasoning and actions. Never one participant's ratings.",
    )
    p.add_argument("id", metavar="ID", help="a workshop id, or a unique beginning of one")
    p.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")
    p.set_defaults(func=cmd_workshop_show)
    p = workshop_sub.add_parser("report", help="the workshop's PDF report", parents=[common])
    p.add_argument("id", metavar="ID", help="a workshop id, or a unique beginning of one")
    p.add_argument(
        "-o", "--output", metavar="FILE.pdf", required=True, help="the PDF file to write"
    )
    p.set_defaults(func=cmd_workshop_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. Everything it prints, including argparse's
    own messages, passes through _SafeStream (see the output helpers)."""
    with _safe_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        sub = {"forms": "forms", "workshop": "workshop", "concerns": "concerns"}.get(
            args.command or ""
        )
        prog = f"ics-assess {sub}" if sub else "ics-assess"
        print(f"{prog}: say what to do (see '{prog} --help').", file=sys.stderr)
        return 2
    from .services import StoreError, explain_write_error

    try:
        return func(args)
    except UsageError as exc:
        prog = f"ics-assess {exc.command}"
        print(f"{prog}: {exc} (see '{prog} --help')", file=sys.stderr)
        return 2
    except (CommandError, StoreError) as exc:
        print(f"ics-assess: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        if "readonly" in str(exc).lower():
            print(f"ics-assess: {explain_write_error(exc)}", file=sys.stderr)
        else:
            print(f"ics-assess: the database could not be used ({exc}).", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; nothing useful is left to say.
        sys.stderr.close()
        return 0
    except OSError as exc:
        reason = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"ics-assess: {reason}{where}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ics-assess: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
