"""A comparison (ics_assess.comparison.Comparison) as data: the JSON document of
``ics-assess compare --json``, and the CSV and XLSX files of ``compare -o`` (docs/cli.md).

The document is the one place that decides what leaves the program, so the JSON, the CSV
and the workbook show the same things. In the view of individual respondents nothing
may identify a group under three (docs/scoring.md, Rule 14): the groups are those the
comparison already shows (folded or left out as the rule says), and beyond them the
document names no organisation at all (coverage, notes, anonymity and the change since
the earlier round give counts, not names) and gives no figure of one organisation.

Spreadsheets are written with exchange.spreadsheets' helpers: text that a spreadsheet
would take as a formula is neutralised, CSV is UTF-8 with a byte-order mark, and the
file is written atomically. Nothing here imports Qt.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import files
from ..comparison import OVERALL, Comparison, kind_noun, statement_numbers
from ..domain import AssessmentKind, Organisation, PartnerType, Sector
from ..scoring import MIN_GROUP, Change, PerceptionGap, SystemScore, Trend, band_for, percent
from .errors import ExportError
from .spreadsheets import SUFFIXES, append_safe_row, csv_bytes

CSV_HEADERS = (
    "kind",
    "partnership",
    "round",
    "questionnaire",
    "version",
    "group_level",
    "group_key",
    "group",
    "n",
    "scope_type",
    "scope_id",
    "number",
    "scope",
    "score",
    "band",
)
"""The columns of the comparison's CSV: one row per group and scope (docs/cli.md)."""

SHEETS = ("Summary", "Sections", "Statements", "Gaps", "Change")
"""The worksheets of the comparison's workbook; "Change" only with a trend."""


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _sector_name(sector: Sector) -> str:
    return "NHS" if sector == Sector.NHS else sector.label.lower()


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


class _Document:
    """Builds the JSON-ready document of one comparison (see comparison_document)."""

    def __init__(self, c: Comparison):
        self.c = c
        self.q = c.questionnaire
        self.individual = c.kind == AssessmentKind.INDIVIDUAL
        # In the individual view, the sectors and partner types the comparison shows as
        # groups of their own (MIN_GROUP or more); nothing finer is ever added.
        self.shown = {(col.level, col.key) for col in c.columns}
        self.numbers = statement_numbers(self.q)
        self.section_numbers = {s.id: str(i) for i, s in enumerate(self.q.sections, start=1)}

    # --- small pieces -----------------------------------------------------------------

    def band(self, score: float | None) -> str | None:
        return None if score is None else band_for(percent(score), self.q.bands).name

    def sector_shown(self, sector: Sector) -> bool:
        return not self.individual or ("sector", sector.value) in self.shown

    def type_shown(self, partner_type: PartnerType) -> bool:
        return not self.individual or ("partner_type", partner_type.value) in self.shown

    def org(self, organisation: Organisation) -> dict[str, Any]:
        return {
            "id": organisation.id,
            "name": organisation.name,
            "partner_type": organisation.partner_type.value,
        }

    def orgs(self, organisations: Iterable[Organisation]) -> list[dict[str, Any]]:
        # The individual view names no organisation (see the module docstring).
        return [] if self.individual else [self.org(o) for o in organisations]

    def per_sector(self, score: SystemScore) -> list[dict[str, Any]]:
        return [
            {
                "sector": sector.value,
                "label": sector.label,
                "score": _r(score.by_sector[sector]),
                "band": self.band(score.by_sector[sector]),
                "organisations": score.sector_organisations.get(sector, 0),
            }
            for sector in Sector
            if sector in score.by_sector and self.sector_shown(sector)
        ]

    def per_partner_type(self, score: SystemScore) -> list[dict[str, Any]]:
        counts: dict[PartnerType, int] = {}
        for org_id in score.by_organisation:
            organisation = self.c.organisations.get(org_id)
            if organisation is not None:
                counts[organisation.partner_type] = counts.get(organisation.partner_type, 0) + 1
        return [
            {
                "partner_type": t.value,
                "label": t.label,
                "score": _r(score.by_partner_type[t]),
                "organisations": counts.get(t, 0),
            }
            for t in PartnerType
            if t in score.by_partner_type and self.type_shown(t)
        ]

    # --- the parts ---------------------------------------------------------------------

    def coverage(self) -> dict[str, Any]:
        cov = self.c.coverage
        sectors = []
        for s in cov.sectors:
            sectors.append(
                {
                    "sector": s.sector.value,
                    "label": s.sector.label,
                    "organisations": len(s.organisations),
                    "responded": len(s.responded),
                    "in_progress": len(s.in_progress),
                    "missing": len(s.missing),
                    "responded_organisations": self.orgs(s.responded),
                    "in_progress_organisations": self.orgs(s.in_progress),
                    "missing_organisations": self.orgs(s.missing),
                }
            )
        if self.individual:
            parts = [f"{cov.responded} of {_plural(cov.total, 'organisation')}"]
            parts += [
                f"{_sector_name(s.sector)} {len(s.responded)} of {len(s.organisations)}"
                for s in cov.sectors
                if s.organisations and s.missing
            ]
            sentence = "; ".join(parts)
        else:
            sentence = cov.sentence()
        return {
            "organisations": cov.total,
            "responded": cov.responded,
            "sentence": sentence,
            "sectors": sectors,
        }

    def headline(self) -> dict[str, Any]:
        h = self.c.headline
        return {
            "system": _r(h.system),
            "complete": h.complete,
            "sectors_mean": _r(h.sectors_mean),
            "plain": _r(h.plain),
            "band": self.band(h.system),
            "sentence": self.c.headline_sentence(),
            "respondents": h.respondents,
            "organisations": len(h.by_organisation),
            "sectors": self.per_sector(h),
            "partner_types": self.per_partner_type(h),
            "missing_sectors": [s.value for s in h.missing_sectors],
        }

    def sections(self) -> list[dict[str, Any]]:
        return [
            {
                "id": section.id,
                "number": self.section_numbers[section.id],
                "title": section.title,
                "system": _r(score.system),
                "sectors_mean": _r(score.sectors_mean),
                "plain": _r(score.plain),
                "band": self.band(score.system),
                "sectors": self.per_sector(score),
            }
            for section, score in self.c.sections
        ]

    def groups(self) -> list[dict[str, Any]]:
        return [
            {
                "level": col.level,
                "key": col.key,
                "label": col.label,
                "n": col.n,
                "overall": _r(col.value(OVERALL)),
                "band": self.band(col.value(OVERALL)),
                "sections": {s.id: _r(col.value(s.id)) for s in self.q.sections},
                "incomplete": col.incomplete,
            }
            for col in self.c.columns
        ]

    def statements(self) -> list[dict[str, Any]]:
        out = []
        for row in self.c.statements:
            sp = row.spread
            out.append(
                {
                    "id": row.item.id,
                    "number": row.number,
                    "text": row.item.statement,
                    "section_id": row.section_id,
                    "reverse": row.item.reverse,
                    "values": {col.key: _r(col.value(row.item.id)) for col in self.c.columns},
                    "spread": {
                        "n": sp.n,
                        "mean": _r(sp.mean),
                        "sd": _r(sp.sd),
                        "min": _r(sp.minimum),
                        "max": _r(sp.maximum),
                        "consensus": _r(sp.consensus),
                    },
                    "split": row.split,
                    "dont_know": row.dont_know,
                    "not_applicable": row.not_applicable,
                    "changed": row.changed,
                }
            )
        return out

    def divergences(self) -> list[dict[str, Any]]:
        return [
            {
                "scope": d.scope,
                "id": d.key,
                "label": d.label,
                **self.gap(d.gap),
            }
            for d in self.c.divergences
        ]

    @staticmethod
    def gap(g: PerceptionGap) -> dict[str, Any]:
        return {
            "first": g.first.value,
            "second": g.second.value,
            "first_score": _r(g.first_score),
            "second_score": _r(g.second_score),
            "first_n": g.first_n,
            "second_n": g.second_n,
            "gap": _r(g.gap),
            "flagged": g.flagged,
        }

    @staticmethod
    def change(ch: Change | None) -> dict[str, Any] | None:
        if ch is None:
            return None
        return {
            "before": _r(ch.before),
            "after": _r(ch.after),
            "change": _r(ch.change),
            "moved": ch.moved,
        }

    def safe_sectors(self, t: Trend) -> set[Sector]:
        """The sectors whose change may be shown. In the organisation view, all. In the
        individual view, only those with no organisation that answered in one round
        only: their change is then over exactly the respondents the sector's own figure
        stands on, never over a smaller set that could be one or two people."""
        if not self.individual:
            return set(Sector)
        one_round = {
            self.c.organisations[o].sector
            for o in (*t.only_before, *t.only_after)
            if o in self.c.organisations
        }
        return {s for s in Sector if s not in one_round and self.sector_shown(s)}

    def scope_trend(self, key: str, label: str, t: Trend, scope_type: str) -> dict[str, Any]:
        safe = self.safe_sectors(t)
        whole = not self.individual or not (t.only_before or t.only_after)
        organisations = []
        if not self.individual:
            for org_id, ch in t.by_organisation.items():
                organisation = self.c.organisations.get(org_id)
                organisations.append(
                    {
                        "id": org_id,
                        "name": organisation.name if organisation else org_id,
                        **(self.change(ch) or {}),
                    }
                )
        return {
            "scope_type": scope_type,
            "id": key,
            "number": self.numbers.get(key, self.section_numbers.get(key, "")),
            "label": label,
            "system": self.change(t.system) if whole else None,
            "sectors_mean": self.change(t.sectors_mean) if whole else None,
            "sectors": [
                {"sector": s.value, "label": s.label, **(self.change(ch) or {})}
                for s, ch in t.by_sector.items()
                if s in safe
            ],
            "organisations": organisations,
            "matched": len(t.matched),
        }

    def trend(self) -> dict[str, Any] | None:
        tr = self.c.trend
        if tr is None:
            return None
        scopes = [
            self.scope_trend(
                s.key, s.label, s.trend, "questionnaire" if s.key == OVERALL else "section"
            )
            for s in tr.scopes
        ]
        statements = [self.scope_trend(s.key, s.label, s.trend, "statement") for s in tr.statements]
        allowed: set[tuple[str, str]] | None = None
        notes = []
        if self.individual:
            allowed = {
                (s.label, sector.label) for s in tr.scopes for sector in self.safe_sectors(s.trend)
            }
            notes.append(
                "In the view of individual respondents no organisation is named, and a "
                "change is shown only for a sector (or the system) whose organisations all "
                "answered in both rounds, so that it rests on the groups shown."
            )

        def moves(items) -> list[dict[str, Any]]:
            return [
                {
                    "who": m.who,
                    "scope": m.scope_label,
                    "before": _r(m.before),
                    "after": _r(m.after),
                    "change": _r(m.change),
                }
                for m in items
                if allowed is None or (m.scope_label, m.who) in allowed
            ]

        overall = tr.overall
        return {
            "previous_round": {"id": tr.previous_round.id, "name": tr.previous_round.name},
            "scopes": scopes,
            "statements": statements,
            "only_before": self.orgs(tr.only_before),
            "only_after": self.orgs(tr.only_after),
            "only_before_count": len(overall.only_before),
            "only_after_count": len(overall.only_after),
            "changed_statements": list(tr.changed_items),
            "improvements": moves(tr.improvements),
            "declines": moves(tr.declines),
            "notes": notes,
        }

    def anonymity(self) -> dict[str, Any] | None:
        a = self.c.anonymity
        if a is None:
            return None
        sentences = []
        if a.folded_from:
            n = len(a.folded_from)
            sentences.append(
                f"Groups with fewer than {MIN_GROUP} respondents are never shown on their "
                f"own: the respondents of {_plural(n, 'organisation')} "
                f"{'was' if n == 1 else 'were'} folded into larger groups."
            )
        if a.withheld:
            people = "1 respondent was" if a.withheld == 1 else f"{a.withheld} were"
            sentences.append(
                f"{people} left out of every figure: even their sector had fewer than "
                f"{MIN_GROUP} respondents."
            )
        if a.hidden_partner_types:
            n = len(a.hidden_partner_types)
            sentences.append(
                f"{_plural(n, 'partner type')} with fewer than {MIN_GROUP} respondents "
                f"{'is' if n == 1 else 'are'} not shown on {'its' if n == 1 else 'their'} own."
            )
        return {
            "sentences": sentences,
            "folded_groups": len(a.folded_from),
            "withheld": a.withheld,
            "hidden_partner_types": len(a.hidden_partner_types),
        }

    def notes(self) -> list[str]:
        if not self.individual:
            return list(self.c.notes)
        # The comparison names the organisations with drafts; here they are counted.
        drafting = sum(len(s.in_progress) for s in self.c.coverage.sectors)
        out = []
        for note in self.c.notes:
            if note.startswith("In progress and not counted"):
                out.append(
                    f"{_plural(drafting, 'organisation')} "
                    f"{'has' if drafting == 1 else 'have'} {kind_noun(self.c.kind)} in "
                    "progress, not counted."
                )
            else:
                out.append(note)
        return out

    def document(self) -> dict[str, Any]:
        c = self.c
        return {
            "partnership": {"id": c.partnership.id, "name": c.partnership.name},
            "round": {"id": c.round.id, "name": c.round.name},
            "questionnaire": {"id": self.q.id, "version": self.q.version, "title": self.q.title},
            "kind": c.kind.value,
            "counts": {"submitted": c.submitted, "drafts": c.drafts, "other_kind": c.other_kind},
            "versions": [{"version": v, "assessments": n} for v, n in c.versions],
            "changed_statements": list(c.changed_items),
            "coverage": self.coverage(),
            "headline": self.headline(),
            "sections": self.sections(),
            "groups": self.groups(),
            "statements": self.statements(),
            "divergences": self.divergences(),
            "trend": self.trend(),
            "anonymity": self.anonymity(),
            "notes": self.notes(),
        }


def comparison_document(comparison: Comparison) -> dict[str, Any]:
    """The comparison as the documented JSON shape of ``ics-assess compare --json``
    (docs/cli.md): scores rounded to 4 places, None where there is none. In the view of
    individual respondents it names no organisation outside the groups shown."""
    return _Document(comparison).document()


# --- CSV ---------------------------------------------------------------------------------


def comparison_rows(comparison: Comparison) -> list[list[object]]:
    """The CSV's rows (without the header): one per group and scope, the questionnaire
    first, then each section, then each statement."""
    doc = comparison_document(comparison)
    builder = _Document(comparison)
    q = comparison.questionnaire
    head = [
        doc["kind"],
        doc["partnership"]["name"],
        doc["round"]["name"],
        q.id,
        q.version,
    ]
    scopes: list[tuple[str, str, str, str]] = [("questionnaire", OVERALL, "", q.title)]
    scopes += [("section", s["id"], s["number"], s["title"]) for s in doc["sections"]]
    scopes += [("statement", s["id"], s["number"], s["text"]) for s in doc["statements"]]
    statements = {s["id"]: s for s in doc["statements"]}
    rows: list[list[object]] = []
    for group in doc["groups"]:
        for scope_type, scope_id, number, label in scopes:
            if scope_type == "questionnaire":
                score = group["overall"]
            elif scope_type == "section":
                score = group["sections"].get(scope_id)
            else:
                score = statements[scope_id]["values"].get(group["key"])
            rows.append(
                [
                    *head,
                    group["level"],
                    group["key"],
                    group["label"],
                    group["n"],
                    scope_type,
                    scope_id,
                    number,
                    label,
                    score,
                    builder.band(score),
                ]
            )
    return rows


# --- XLSX --------------------------------------------------------------------------------


def _sheet(wb, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]], widths):
    """A write-only worksheet: readable column widths, the header row frozen."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    append_safe_row(ws, headers)
    for row in rows:
        append_safe_row(ws, row)
    return ws


def _summary_rows(doc: Mapping[str, Any]) -> list[list[object]]:
    h = doc["headline"]
    rows: list[list[object]] = [
        ["Partnership", doc["partnership"]["name"]],
        ["Round", doc["round"]["name"]],
        ["Questionnaire", f"{doc['questionnaire']['title']} ({doc['questionnaire']['id']})"],
        ["Version", doc["questionnaire"]["version"]],
        ["Kind", doc["kind"]],
        ["Submitted", doc["counts"]["submitted"]],
        ["In progress (not counted)", doc["counts"]["drafts"]],
        ["Of the other kind (shown apart)", doc["counts"]["other_kind"]],
        ["Headline", h["sentence"]],
        ["System score", h["system"]],
        ["Band", h["band"]],
        ["Mean of the sectors shown", h["sectors_mean"]],
        ["Plain mean of the organisations", h["plain"]],
    ]
    for s in h["sectors"]:
        rows.append([f"{s['label']} ({s['organisations']} organisations)", s["score"]])
    for t in h["partner_types"]:
        rows.append([f"{t['label']} ({t['organisations']} organisations)", t["score"]])
    rows.append(["Coverage", doc["coverage"]["sentence"]])
    for s in doc["coverage"]["sectors"]:
        line = f"{s['responded']} of {s['organisations']} responded"
        missing = ", ".join(o["name"] for o in s["missing_organisations"])
        if missing:
            line += f"; not responded: {missing}"
        rows.append([f"Coverage, {s['label']}", line])
    for note in doc["notes"]:
        rows.append(["Note", note])
    if doc["anonymity"] is not None:
        for sentence in doc["anonymity"]["sentences"]:
            rows.append(["Anonymity", sentence])
    return rows


def comparison_xlsx(comparison: Comparison) -> bytes:
    """The workbook: Summary, Sections, Statements, Gaps and (with a trend) Change."""
    from openpyxl import Workbook

    doc = comparison_document(comparison)
    builder = _Document(comparison)
    wb = Workbook(write_only=True)
    _sheet(wb, "Summary", ["Item", "Value"], _summary_rows(doc), [40, 100])

    sections = doc["sections"]
    headers: list[str] = ["Group", "Level", "N", "Overall", "Overall band"]
    for s in sections:
        headers += [f"{s['number']} {s['title']}", "Band"]
    rows = []
    for g in doc["groups"]:
        row: list[object] = [g["label"], g["level"], g["n"], g["overall"], g["band"]]
        for s in sections:
            score = g["sections"].get(s["id"])
            row += [score, builder.band(score)]
        rows.append(row)
    _sheet(wb, "Sections", headers, rows, [40, 14, 6, 10, 12] + [22, 12] * len(sections))

    groups = doc["groups"]
    headers = ["Number", "Statement", "Section", *(g["label"] for g in groups)]
    headers += ["N", "Mean", "SD", "Min", "Max", "Agreement", "Split", "Don't know", "N/A"]
    headers += ["Changed between versions"]
    rows = []
    for s in doc["statements"]:
        sp = s["spread"]
        rows.append(
            [
                s["number"],
                s["text"],
                s["section_id"],
                *(s["values"].get(g["key"]) for g in groups),
                sp["n"],
                sp["mean"],
                sp["sd"],
                sp["min"],
                sp["max"],
                sp["consensus"],
                "split" if s["split"] else "",
                s["dont_know"],
                s["not_applicable"],
                "changed" if s["changed"] else "",
            ]
        )
    _sheet(wb, "Statements", headers, rows, [8, 70, 14] + [14] * len(groups) + [8] * 10)

    headers = ["Scope", "Id", "Label", "First", "First score", "First n", "Second"]
    headers += ["Second score", "Second n", "Gap", "Flagged"]
    rows = [
        [
            d["scope"],
            d["id"],
            d["label"],
            Sector(d["first"]).label,
            d["first_score"],
            d["first_n"],
            Sector(d["second"]).label,
            d["second_score"],
            d["second_n"],
            d["gap"],
            "flagged" if d["flagged"] else "",
        ]
        for d in doc["divergences"]
    ]
    _sheet(wb, "Gaps", headers, rows, [14, 16, 60, 18, 12, 8, 18, 12, 8, 8, 9])

    if doc["trend"] is not None:
        _sheet(
            wb,
            "Change",
            ["Scope", "Number", "Label", "Who", "Before", "After", "Change", "Moved"],
            _change_rows(doc["trend"]),
            [14, 8, 60, 40, 10, 10, 10, 8],
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _change_rows(trend: Mapping[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []

    def add(scope: Mapping[str, Any], who: str, ch: Mapping[str, Any] | None) -> None:
        if ch is None:
            return
        rows.append(
            [
                scope["scope_type"],
                scope["number"],
                scope["label"],
                who,
                ch["before"],
                ch["after"],
                ch["change"],
                "moved" if ch["moved"] else "",
            ]
        )

    for scope in [*trend["scopes"], *trend["statements"]]:
        add(scope, "System", scope["system"])
        for s in scope["sectors"]:
            add(scope, s["label"], s)
        for o in scope["organisations"]:
            add(scope, o["name"], o)
    previous = trend["previous_round"]["name"]
    for o in trend["only_before"]:
        rows.append(["", "", f"Answered in {previous} only", o["name"], None, None, None, ""])
    for o in trend["only_after"]:
        rows.append(["", "", "Answered in this round only", o["name"], None, None, None, ""])
    for note in trend["notes"]:
        rows.append(["", "", note, "", None, None, None, ""])
    return rows


def export_comparison(comparison: Comparison, path: Path | str) -> Path:
    """Write the comparison to ``path``, CSV or XLSX by its suffix, atomically. Raises
    ExportError with one sentence (a suffix that is neither, or the file not written)."""
    target = Path(path).expanduser()
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(
            f"{target.name or target} is neither .csv nor .xlsx; name the file "
            "comparison.csv or comparison.xlsx."
        )
    if suffix == ".csv":
        data = csv_bytes(comparison_rows(comparison), CSV_HEADERS)
    else:
        data = comparison_xlsx(comparison)
    return files.write_atomically(
        target, data, what="spreadsheet", example=f"comparison{suffix}", error=ExportError
    )
