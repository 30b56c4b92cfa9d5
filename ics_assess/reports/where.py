"""Where a reader finds the other reports and the method: one wording of each, naming it
as the user reaches it in ICS Assess (the buttons and menus of the window), never a file
path, which means nothing to the reader of a PDF.

Every report that points to another takes the words from here, and the tests check that
each place exists: the report is one the program builds, and each step is a button or
menu item of the window (tests/test_honest_scores.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """A report or guide, and the steps that reach it in the window."""

    name: str
    """What it is, in a sentence: "the comparison report"."""
    steps: tuple[str, ...]
    """The buttons or menu items that lead to it, in order, as the window labels them
    (without their Alt-key markers): ("Compare partnership…", "Report…")."""
    kind: str
    """The report kind it is (see KINDS), or "guide" for the method in the window."""

    @property
    def way(self) -> str:
        """The steps to it: "Compare partnership… > Report…" (plain text)."""
        return " > ".join(self.steps)

    @property
    def words(self) -> str:
        """Its name with the way to it: "the comparison report (Compare partnership… >
        Report…)" (plain text: escape it for report markup)."""
        return f"{self.name} ({self.way})"


KINDS = ("assessment", "organisation", "comparison", "workshop", "action plan", "review pack")
"""The PDF reports ICS Assess builds (reports/assessment.py, organisation.py,
comparison.py, workshop.py, action_plan.py, review.py)."""

COMPARISON_REPORT = Place(
    "the comparison report", ("Compare partnership…", "Report…"), "comparison"
)
WORKSHOP_REPORT = Place("the workshop report", ("Workshops…", "Open", "Report…"), "workshop")
ACTION_PLAN = Place("the round's printed action plan", ("Action plan…", "Print…"), "action plan")
REVIEW_PACK = Place("the review pack", ("Review…", "Review pack…"), "review pack")
METHOD_GUIDE = Place("the guide to the method", ("Help", "Guide to the method"), "guide")

PLACES = (COMPARISON_REPORT, WORKSHOP_REPORT, ACTION_PLAN, REVIEW_PACK, METHOD_GUIDE)
"""Every place a report may point its reader to."""
