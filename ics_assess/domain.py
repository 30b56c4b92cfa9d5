"""The domain: plain dataclasses, no I/O and no Qt.

Everything the rest of the program passes around is one of these. Records that are
stored carry a UUID string ``id`` so that files from different machines merge without
clashes; timestamps are ISO 8601 strings in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PartnerType(StrEnum):
    """The kind of body an organisation is within the partnership."""

    ICB = "icb"
    NHS_TRUST = "nhs_trust"
    PRIMARY_CARE = "primary_care"
    UPPER_TIER_COUNCIL = "upper_tier_council"
    DISTRICT_COUNCIL = "district_council"
    PUBLIC_HEALTH = "public_health"
    VCSE = "vcse"
    HEALTHWATCH = "healthwatch"
    CARE_PROVIDER = "care_provider"
    OTHER = "other"

    @property
    def label(self) -> str:
        """A name for people, e.g. 'Upper-tier council'."""
        return PARTNER_TYPE_LABELS[self]

    @property
    def sector(self) -> Sector:
        """The sector this partner type belongs to."""
        return SECTOR_OF[self]


class Sector(StrEnum):
    """Partner types group into three sectors."""

    NHS = "nhs"
    LOCAL_GOVERNMENT = "local_government"
    COMMUNITY = "community"

    @property
    def label(self) -> str:
        """A name for people, e.g. 'Local government'."""
        return SECTOR_LABELS[self]


PARTNER_TYPE_LABELS: dict[PartnerType, str] = {
    PartnerType.ICB: "Integrated Care Board",
    PartnerType.NHS_TRUST: "NHS trust",
    PartnerType.PRIMARY_CARE: "Primary care",
    PartnerType.UPPER_TIER_COUNCIL: "Upper-tier council",
    PartnerType.DISTRICT_COUNCIL: "District council",
    PartnerType.PUBLIC_HEALTH: "Public health",
    PartnerType.VCSE: "Voluntary and community sector",
    PartnerType.HEALTHWATCH: "Healthwatch",
    PartnerType.CARE_PROVIDER: "Care provider",
    PartnerType.OTHER: "Other partner",
}

SECTOR_LABELS: dict[Sector, str] = {
    Sector.NHS: "NHS",
    Sector.LOCAL_GOVERNMENT: "Local government",
    Sector.COMMUNITY: "Community",
}

SECTOR_OF: dict[PartnerType, Sector] = {
    PartnerType.ICB: Sector.NHS,
    PartnerType.NHS_TRUST: Sector.NHS,
    PartnerType.PRIMARY_CARE: Sector.NHS,
    PartnerType.UPPER_TIER_COUNCIL: Sector.LOCAL_GOVERNMENT,
    PartnerType.DISTRICT_COUNCIL: Sector.LOCAL_GOVERNMENT,
    PartnerType.PUBLIC_HEALTH: Sector.LOCAL_GOVERNMENT,
    PartnerType.VCSE: Sector.COMMUNITY,
    PartnerType.HEALTHWATCH: Sector.COMMUNITY,
    # Care homes, home care agencies and their representative bodies: independent
    # providers, neither NHS bodies nor elected councils (docs/scoring.md, Rule 9).
    PartnerType.CARE_PROVIDER: Sector.COMMUNITY,
    PartnerType.OTHER: Sector.COMMUNITY,
}


class AssessmentKind(StrEnum):
    """Whose view an assessment is.

    ORGANISATION is the organisation's own response, shown by name; INDIVIDUAL is one
    person's view, only ever shown in groups of at least three.
    """

    ORGANISATION = "organisation"
    INDIVIDUAL = "individual"


UNNAMED_RESPONDENT = "Respondent not named"
"""How an organisation's own response with no respondent's name is shown (an individual
response without one is "Anonymous")."""


class AssessmentStatus(StrEnum):
    """A draft can be changed; a submitted assessment is read-only until reopened."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class Unrated(StrEnum):
    """An answer that is given but never scored."""

    DONT_KNOW = "dont_know"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        """A name for people."""
        return "Don't know" if self is Unrated.DONT_KNOW else "Not applicable"


class ActionStatus(StrEnum):
    """Where an improvement action stands."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


# --- Questionnaires -------------------------------------------------------------------

SCALE_POINTS = (1, 2, 3, 4, 5)
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True)
class ScalePoint:
    """One point of the 1-5 rating scale, with the words respondents see."""

    value: int
    label: str
    descriptor: str


@dataclass(frozen=True)
class Band:
    """A named range of percent scores. ``below`` is the exclusive upper cut-off;
    the last band has ``below`` None and runs to 100. ``descriptor`` says what the band
    looks like for its questionnaire ("" when the file gives none); it is words for
    people, so two bands of the same name and cut-off are equal whatever it says."""

    name: str
    below: float | None
    descriptor: str = field(default="", compare=False)


DEFAULT_BANDS: tuple[Band, ...] = (
    Band("Emerging", 40.0),
    Band("Developing", 60.0),
    Band("Maturing", 80.0),
    Band("Thriving", None),
)


@dataclass(frozen=True)
class Item:
    """One statement to rate. ``id`` is stable across versions of a questionnaire."""

    id: str
    statement: str
    guidance: str
    evidence: str = ""
    weight: float = 1.0
    reverse: bool = False
    # Ids of statements of an earlier version that this one takes the place of (one
    # reworded in meaning or split gets a new id; this says which it came from).
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A domain of a questionnaire: a titled group of items."""

    id: str
    title: str
    items: tuple[Item, ...]
    description: str = ""

    @property
    def total_weight(self) -> float:
        """The sum of its items' weights."""
        return sum(item.weight for item in self.items)


@dataclass(frozen=True)
class Questionnaire:
    """A versioned questionnaire definition, as loaded from a file in ``forms/``."""

    id: str
    version: str
    title: str
    purpose: str
    scale: tuple[ScalePoint, ...]
    sections: tuple[Section, ...]
    bands: tuple[Band, ...] = DEFAULT_BANDS

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item, in order."""
        return tuple(item for section in self.sections for item in section.items)

    def item(self, item_id: str) -> Item:
        """The item with this id; KeyError if there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section_of(self, item_id: str) -> Section:
        """The section holding this item; KeyError if there is none."""
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    def scale_label(self, value: int) -> str:
        """The label of a scale point."""
        for point in self.scale:
            if point.value == value:
                return point.label
        raise KeyError(value)


def statement_numbers(questionnaire: Questionnaire) -> dict[str, str]:
    """Each item id's number, "section.statement", counting from 1 ("2.3" is section 2,
    statement 3): the one numbering of statements, on screen and in every report."""
    return {
        item.id: f"{s}.{i}"
        for s, section in enumerate(questionnaire.sections, start=1)
        for i, item in enumerate(section.items, start=1)
    }


# --- Records --------------------------------------------------------------------------


@dataclass(frozen=True)
class Partnership:
    """The ICS or place partnership being assessed."""

    id: str
    name: str
    ics_name: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class Organisation:
    """A member body of a partnership."""

    id: str
    partnership_id: str
    name: str
    partner_type: PartnerType
    created_at: str = ""

    @property
    def sector(self) -> Sector:
        """The sector its partner type belongs to."""
        return self.partner_type.sector


@dataclass(frozen=True)
class Round:
    """An assessment cycle of a partnership, e.g. 'Baseline, Nov 2026'."""

    id: str
    partnership_id: str
    name: str
    opened_on: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class Answer:
    """One item's answer in one assessment.

    At most one of ``rating`` (1-5) and ``unrated`` is set; an answer with neither holds
    only a comment or a target and counts as unanswered.
    """

    item_id: str
    rating: int | None = None
    unrated: Unrated | None = None
    target: int | None = None
    comment: str = ""
    updated_at: str = ""
    # Where the evidence is: a document, a link, a minute (one per line); "" for none.
    evidence: str = ""

    @property
    def is_answered(self) -> bool:
        """True when a rating, don't know or not applicable has been given."""
        return self.rating is not None or self.unrated is not None


@dataclass(frozen=True)
class Assessment:
    """One respondent of one organisation answering one questionnaire in one round."""

    id: str
    round_id: str
    organisation_id: str
    questionnaire_id: str
    questionnaire_version: str
    kind: AssessmentKind
    status: AssessmentStatus = AssessmentStatus.DRAFT
    respondent_name: str | None = None
    respondent_role: str = ""
    workshop_id: str | None = None
    position: str | None = None
    created_at: str = ""
    updated_at: str = ""
    submitted_at: str | None = None

    @property
    def respondent_label(self) -> str:
        """The respondent's name; without one, "Respondent not named" for an
        organisation's own response (it speaks for the organisation, so nobody is hiding
        behind it) and "Anonymous" for one person's view."""
        if self.respondent_name:
            return self.respondent_name
        return UNNAMED_RESPONDENT if self.kind == AssessmentKind.ORGANISATION else "Anonymous"


@dataclass(frozen=True)
class Workshop:
    """A facilitated session in a round: participants' assessments plus agreed ratings."""

    id: str
    round_id: str
    questionnaire_id: str
    questionnaire_version: str
    title: str
    held_on: str = ""
    facilitator: str = ""
    created_at: str = ""


class AgreementOutcome(StrEnum):
    """What a workshop's room came to on one statement."""

    AGREED = "agreed"
    NOT_AGREED = "not_agreed"

    @property
    def label(self) -> str:
        """A name for people."""
        return "Agreed" if self is AgreementOutcome.AGREED else "Not agreed"


@dataclass(frozen=True)
class Position:
    """One position held in a room that did not agree: a rating and the sectors holding
    it (in declared order, at least one), never the names of the people."""

    rating: int
    sectors: tuple[Sector, ...]


@dataclass(frozen=True)
class AgreedScore:
    """A workshop's outcome for one item, with its reasoning: the rating it agreed (or
    don't know / not applicable), or, when ``outcome`` is NOT_AGREED, no rating and the
    positions held, by sector."""

    workshop_id: str
    item_id: str
    rating: int | None = None
    unrated: Unrated | None = None
    target: int | None = None
    reasoning: str = ""
    updated_at: str = ""
    outcome: AgreementOutcome = AgreementOutcome.AGREED
    positions: tuple[Position, ...] = ()

    @property
    def is_agreed(self) -> bool:
        """True when the room agreed (a rating, don't know or not applicable)."""
        return self.outcome is AgreementOutcome.AGREED


@dataclass(frozen=True)
class Action:
    """An improvement action tied to a partnership and round, and optionally to an
    organisation, a workshop, a questionnaire section or an item."""

    id: str
    partnership_id: str
    round_id: str
    description: str
    owner: str = ""
    due_on: str = ""
    status: ActionStatus = ActionStatus.OPEN
    organisation_id: str | None = None
    workshop_id: str | None = None
    questionnaire_id: str | None = None
    section_id: str | None = None
    item_id: str | None = None
    created_at: str = ""
    updated_at: str = ""
    # The action of an earlier round this one continues (carried forward), if any.
    carried_from: str | None = None

    @property
    def is_open(self) -> bool:
        """Still to do: open or in progress (neither done nor dropped)."""
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Concern:
    """ "A concern we raised": a section or statement of a questionnaire marked by a
    partner (``organisation_id``; None for the partnership as a whole) in a round, with
    their words. The review pack asks of each whether it has moved."""

    id: str
    partnership_id: str
    round_id: str
    questionnaire_id: str
    section_id: str | None = None
    item_id: str | None = None
    organisation_id: str | None = None
    note: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class AssessmentSummary:
    """A row of the assessment list: the assessment with the names around it."""

    assessment: Assessment
    partnership_name: str
    round_name: str
    organisation_name: str
    partner_type: PartnerType
    questionnaire_title: str
    answered: int
    total_items: int
    partnership_id: str
