"""A realistic demonstration partnership, built through the same services as real data.

The views are generated, deterministically, from a simple model of what the source
documents report: NHS partners rate agenda setting, money, decision roles and democratic
involvement higher than councils do; the voluntary sector and Healthwatch feel less heard;
the six-month review is a little better than the baseline and the gap a little narrower.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .domain import (
    ActionStatus,
    Assessment,
    AssessmentKind,
    Item,
    Organisation,
    PartnerType,
    Position,
    Questionnaire,
    Round,
    Section,
    Sector,
    Unrated,
)
from .questionnaires import LoadedQuestionnaire
from .services import Services

DEMO_PARTNERSHIP_NAME = "Northshire and Westmoor Health and Care Partnership"
DEMO_ICS_NAME = "Northshire and Westmoor Integrated Care System"
QUESTIONNAIRE_IDS = ("governance", "democratic-involvement", "equal-partnership")
BASELINE_VERSION = "1.0"  # the baseline's version of each; the review is on the newest
WORKSHOP_QUESTIONNAIRE = "equal-partnership"

# (name, partner type, respondent, role)
ORGANISATIONS: tuple[tuple[str, PartnerType, str, str], ...] = (
    (
        "NHS Northshire and Westmoor Integrated Care Board",
        PartnerType.ICB,
        "Dame Helen Ashworth",
        "Chair",
    ),
    (
        "Northshire Teaching Hospitals NHS Foundation Trust",
        PartnerType.NHS_TRUST,
        "Dr Imran Qureshi",
        "Chief Executive",
    ),
    (
        "Westmoor Community and Mental Health NHS Trust",
        PartnerType.NHS_TRUST,
        "Ruth O’Connell",
        "Director of Strategy",
    ),
    (
        "Northshire Primary Care Collaborative",
        PartnerType.PRIMARY_CARE,
        "Dr Mei Lin Chen",
        "Clinical Director, GP federation",
    ),
    (
        "Northshire County Council",
        PartnerType.UPPER_TIER_COUNCIL,
        "Cllr Margaret Hollis",
        "Leader of the Council",
    ),
    (
        "Westmoor City Council",
        PartnerType.UPPER_TIER_COUNCIL,
        "Cllr Siân Llewellyn",
        "Cabinet Member for Adult Social Care and Health",
    ),
    (
        "Eastdale District Council",
        PartnerType.DISTRICT_COUNCIL,
        "Cllr Tom Brennan",
        "Portfolio Holder for Communities",
    ),
    (
        "Northshire Public Health",
        PartnerType.PUBLIC_HEALTH,
        "Dr Adaeze Okafor",
        "Director of Public Health",
    ),
    (
        "Northshire and Westmoor Voluntary Action",
        PartnerType.VCSE,
        "Zofia Wójcik",
        "Chief Executive",
    ),
    (
        "Healthwatch Northshire",
        PartnerType.HEALTHWATCH,
        "Gareth Pryce-Jones",
        "Chair",
    ),
    (
        "Northshire Fire and Rescue Service",
        PartnerType.OTHER,
        "Anita Desai",
        "Assistant Chief Fire Officer, Prevention",
    ),
    # Care providers joined as partners for the six-month review (CARE_PROVIDERS_JOINED).
    (
        "Northshire Care Association",
        PartnerType.CARE_PROVIDER,
        "Marcus Adeyemi",
        "Chief Executive",
    ),
)
CARE_PROVIDERS_JOINED = 11  # the index of the care association, which answers round 2 only

# Workshop participants: (organisation index, name or None for anonymous, role)
WORKSHOP_PARTICIPANTS: tuple[tuple[int, str | None, str], ...] = (
    (0, "Paul Whitfield", "ICB Director of Strategy"),
    (0, None, "ICB non-executive member"),
    (1, "Sarah Kimani", "Deputy Chief Operating Officer"),
    (1, None, "Divisional director"),
    (2, "Liam Doherty", "Head of Partnerships"),
    (3, None, "GP partner"),
    (4, "Cllr Margaret Hollis", "Leader of the Council"),
    (4, "Joanne Ellis", "Director of Adult Social Services"),
    (5, "Cllr Siân Llewellyn", "Cabinet Member for Adult Social Care and Health"),
    (5, None, "Head of Commissioning"),
    (10, None, "Station manager, community safety"),
    (7, "Dr Adaeze Okafor", "Director of Public Health"),
    (8, "Zofia Wójcik", "Chief Executive, Voluntary Action"),
    (9, None, "Healthwatch volunteer"),
    (11, None, "Registered manager, care home"),
)

# How much higher NHS partners rate a section than councils do, by words in its title.
GAP_WORDS = {
    "agenda": 1.6,
    "money": 1.5,
    "pooled": 1.5,
    "elected": 1.4,
    "decides": 1.2,
    "scrutiny": 1.1,
    "icb": 1.0,
    "workforce": 0.8,
    "trust": 0.9,
    # "Leading each place", new in version 1.1 and answered at the six-month review.
    "place": 1.2,
}

# Comments by statement: (what a partner who rates it well says, what a
# partner who rates it poorly says), each about the statement it sits on. Statements not
# listed get no comments.
COMMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "gov-decisions-1": (
        ("The scheme of delegation was agreed by every partner board in March.",),
        ("Nobody could tell us which body signed off the community beds contract.",),
    ),
    "gov-decisions-5": (
        ("Decisions are taken in the meeting; the pre-meetings only prepare the papers.",),
        ("Decisions on discharge funding are presented to us as “done deals”.",),
    ),
    "gov-structures-4": (
        ("The ICB wrote back to each health and wellbeing board on the forward plan.",),
        ("Our board’s opinion on the forward plan was never answered.",),
    ),
    "gov-structures-5": (
        ("Each issue now has one lead board, and the others are told the outcome.",),
        ("The same winter plan went to four boards in six weeks; none of them decided.",),
    ),
    "gov-disputes-1": (
        ("The disputes protocol was used once this year and settled it in three weeks.",),
        ("Disagreements go chief executive to chief executive; nothing is written down.",),
    ),
    "gov-transparency-1": (
        ("ICP papers are published a week ahead and the meetings are streamed.",),
        ("ICP papers go on the website on the morning of the meeting, if at all.",),
    ),
    "gov-review-2": (
        ("We reviewed the terms of reference after the first year and changed three.",),
        ("There has been no review of the arrangements since the ICB was set up.",),
    ),
    "dem-members-1": (
        ("Both council leaders sit on the ICP and vote on the integrated care strategy.",),
        ("Only one councillor sits on a board of fourteen, as a partner member.",),
    ),
    "dem-members-4": (
        ("Papers come ten days ahead, so each council's cabinet agrees a view first.",),
        ("Papers arrive two days before the meeting, too late for councils to brief members.",),
    ),
    "dem-scrutiny-1": (
        ("Scrutiny saw the stroke-services proposal before consultation – a real change.",),
        ("Scrutiny only saw the ward closures once the preferred option was chosen.",),
    ),
    "dem-scrutiny-6": (
        ("The forward plan of key decisions goes to scrutiny chairs each month.",),
        ("The joint committee heard about the hospital changes from the local paper.",),
    ),
    "dem-engagement-1": (
        ("Residents helped draw up the three options for the urgent care centre.",),
        ("Engagement is a survey after the options are fixed; residents know it.",),
    ),
    "dem-engagement-4": (
        ("The citizens’ panel met four times and its report went to the ICB board.",),
        ("Outside a consultation there is no way for residents to raise anything.",),
    ),
    "dem-influence-1": (
        ("Residents’ feedback changed the opening hours of the new health hub.",),
        ("We could not name a decision that changed because of what residents said.",),
    ),
    "dem-voice-2": (
        ("Each Healthwatch report gets a written reply from the ICB within six weeks.",),
        ("Healthwatch reports are noted, not answered.",),
    ),
    "dem-voice-3": (
        ("The VCSE alliance chooses its own representatives on the partnership board.",),
        ("The VCSE seat goes to whoever the ICB invites; the sector has no say.",),
    ),
    "dem-voice-5": (
        ("The ICB pays for two days a month of the VCSE alliance lead’s time.",),
        ("Small charities cannot afford the time to attend daytime meetings.",),
    ),
    "eq-agenda-1": (
        ("The ICP agenda is set jointly by the chair and the vice-chair from the council.",),
        ("We are “equal partners” on paper; the agenda is set by NHS pressures.",),
    ),
    "eq-agenda-2": (
        ("Housing and health became a priority because the district councils proposed it.",),
        ("Every current priority came out of the ICB’s own planning round.",),
    ),
    "eq-agenda-3": (
        ("Board papers now set out the effect on councils and the voluntary sector.",),
        ("The discharge proposal said nothing about its cost to adult social care.",),
    ),
    "eq-agenda-4": (
        ("Winter was handled in the operational group, so the board kept to strategy.",),
        ("Honestly, winter pressures took most of the board’s time this year.",),
    ),
    "eq-funding-2": (
        ("Our section 75 agreement covers reablement and is reviewed each year.",),
        ("The Better Care Fund is the only pooled money and it is mostly NHS-led.",),
    ),
    "eq-prevention-1": (
        ("Prevention spend is reported to the ICP twice a year against a baseline.",),
        ("Each partner counts prevention spending its own way; the totals differ.",),
    ),
    "eq-prevention-2": (
        ("The prevention share has a target of 5% by 2028, against the 2025 baseline.",),
        ("The prevention share is still below 4% of the allocation, and falling.",),
    ),
    "eq-workforce-1": (
        ("The workforce plan now counts home care staff alongside NHS staff.",),
        ("Social care vacancies are at 11% and are not in the system workforce plan.",),
    ),
    "eq-workforce-4": (
        ("Care workers can now join the shared rotation with community nursing.",),
        ("Carers moving to the trust still repeat their moving-and-handling training.",),
    ),
    "eq-economy-2": (
        ("The anchor institutions charter commits partners to local recruitment.",),
        ("Each partner runs its own jobs fair; there is no joint route into work.",),
    ),
    "eq-economy-3": (
        ("Contracts are now split so local firms can bid; two won work this year.",),
        ("Contracts still go to national firms; local SMEs cannot meet the terms.",),
    ),
    "eq-economy-4": (
        ("VCSE contracts now run for three years, with a year’s notice of changes.",),
        ("Voluntary sector grants are still year to year, so nobody can plan.",),
    ),
    "eq-culture-1": (
        ("When discharges slip, partners look at the pathway, not at each other.",),
        ("When discharges slip, the first question is still whose fault it is.",),
    ),
    "eq-culture-2": (
        ("Delayed discharges are reviewed jointly each quarter, without blame.",),
        ("The trust and the council still argue over whose discharge figures are right.",),
    ),
    # Statements of version 1.1, which the six-month review answered.
    "gov-place-3": (
        ("The place plan went to the council's cabinet twice before the ICB adopted it.",),
        ("The place plan was adopted before the council's cabinet had seen it.",),
    ),
    "gov-decisions-8": (
        ("Every partner signed off the forward plan in writing before it went ahead.",),
        ("The plan went ahead because nobody objected in time.",),
    ),
    "gov-review-7": (
        ("The last review moved two decisions from the ICB board to place.",),
        ("The last review’s report was noted, and nothing changed.",),
    ),
    "dem-scrutiny-7": (
        ("Scrutiny saw the draft forward plan in January; two of its points were taken up.",),
        ("Scrutiny was shown the forward plan after the ICB board had approved it.",),
    ),
    "dem-owncare-1": (
        ("Forty people now hold one budget for their health and social care.",),
        ("People still juggle a health budget and a direct payment, with two plans.",),
    ),
    "eq-funding-6": (
        ("This year’s growth money went first to home care, where the gap is widest.",),
        ("The social care funding gap is in every report and in no allocation.",),
    ),
    "eq-agenda-8": (
        ("The care association now sits on the discharge and community services board.",),
        ("Care providers are asked for bed numbers, never to help plan.",),
    ),
    "eq-workforce-6": (
        ("District nurses delegate insulin to trained care workers under a signed protocol.",),
        ("Care workers give insulin with no agreement on training or cover.",),
    ),
}
# Version 1.1 words some commented statements anew, under new ids (its `replaces`): their
# comments follow them.
COMMENTS |= {
    new: COMMENTS[old]
    for old, new in (
        ("gov-decisions-1", "gov-decisions-6"),
        ("gov-decisions-5", "gov-decisions-7"),
        ("gov-structures-5", "gov-structures-7"),
        ("gov-disputes-1", "gov-disputes-6"),
        ("eq-agenda-2", "eq-agenda-5"),
        ("eq-agenda-4", "eq-agenda-6"),
        ("eq-prevention-2", "eq-prevention-6"),
        ("eq-economy-3", "eq-economy-6"),
        ("eq-culture-1", "eq-culture-6"),
    )
}
COMMENT_CHANCE = 0.35

# Where a partner that rates a statement 4 or 5 could show the evidence (issue 13): the
# documents a real partnership would name, each on the statement it bears out. Drawn by
# a random generator of its own, so that adding them changed no rating of the demo.
EVIDENCE: dict[str, tuple[str, ...]] = {
    "gov-decisions-6": (
        "Scheme of delegation, agreed by every partner board, March 2026",
        "ICB governance handbook 2026/27, section 3",
    ),
    "gov-decisions-2": ("Place partnership terms of reference, version 2.1, section 4",),
    "gov-disputes-3": ("ICP minutes, 14 May 2026, item 6 (the disagreement recorded)",),
    "gov-transparency-1": ("ICP meeting papers page: published seven days before each meeting",),
    "gov-transparency-3": ("Register of interests, ICB and ICP boards, updated June 2026",),
    "gov-review-4": ("Board action log, reviewed at every ICB board meeting",),
    "dem-members-5": ("Full council minutes, 22 July 2026, item 9: report back from the ICP",),
    "dem-scrutiny-3": (
        "Health scrutiny committee minutes, 9 July 2026, item 5\n"
        "ICB written response to the committee's discharge recommendations, August 2026",
    ),
    "dem-influence-4": ("“You said, we did” report to the ICP, September 2026",),
    "eq-funding-1": ("Joint finance report to the ICP, quarter 1 2026/27",),
    "eq-funding-3": ("Better Care Fund year-end review, presented to the HWB, June 2026",),
    "eq-workforce-1": ("One workforce plan 2026-2029, chapter 4: adult social care",),
    "eq-culture-2": ("Discharge dashboard, shared weekly by the ICB and both councils",),
}
"""How often a respondent comments on a statement that has comments."""

# The room's reasoning on the statements the demo workshop gives one (every third of
# equal partnership 1.1), each about its own statement and the rating the room agreed.
REASONINGS: dict[str, str] = {
    "eq-agenda-1": "Agreed after discussion: agendas are now drafted jointly, but most "
    "late items still come from the ICB.",
    "eq-agenda-6": "Winter tested it: the prevention item kept its place, but its time was "
    "cut at two meetings running.",
    "eq-funding-1": "The joint finance report now sets the three budgets side by side; "
    "public health's figures still arrive a quarter late.",
    "eq-funding-3": "The year-end review looked at what the Better Care Fund was spent "
    "on, not yet at the outcomes it was meant to achieve.",
    "eq-prevention-1": "The group agreed this is a strength: every partner now measures "
    "its prevention spending the same way.",
    "eq-prevention-4": "Two places have a named lead whom all partners recognise; the "
    "third is still being agreed.",
    "eq-workforce-2": "Social care vacancy figures reach the board, but a quarter behind "
    "the NHS figures and not broken down by place.",
    "eq-workforce-6": "The insulin protocol is signed and working; the agreements for "
    "other delegated tasks are still in draft.",
    "eq-economy-2": "The joint jobs route placed local residents in NHS and care roles "
    "this year; the councils want it extended to housing support.",
    "eq-economy-7": "Nobody has one picture of care home and home care capacity yet: each "
    "partner plans from its own figures.",
    "eq-culture-3": "Agreed after discussion: most concerns are now raised directly, but "
    "one went to the regional team first this year.",
    "eq-culture-8": "The VCSE and Healthwatch view carried weight here: small "
    "organisations give the most time for the least say.",
}

ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    # (section words, description, owner, status)
    (
        "agenda",
        "Rotate the chair of the partnership board's agenda-setting meeting between the "
        "ICB and the upper-tier councils.",
        "ICB Chair and Leader of Northshire County Council",
        ActionStatus.IN_PROGRESS,
    ),
    (
        "money",
        "Review what else could be pooled under section 75 beyond the Better Care Fund, "
        "starting with reablement and discharge.",
        "ICB Chief Finance Officer and council Section 151 officers",
        ActionStatus.OPEN,
    ),
    (
        "prevention",
        "Publish the share of system spend that goes to prevention each year, "
        "with a target to raise it by one percentage point over five years.",
        "Director of Public Health",
        ActionStatus.OPEN,
    ),
    (
        "workforce",
        "Add social care to the system workforce plan, with shared recruitment for "
        "care workers and nurses.",
        "ICB Chief People Officer and Director of Adult Social Services",
        ActionStatus.OPEN,
    ),
    (
        "trust",
        "Agree a no-blame review process for delayed discharges, run jointly each quarter.",
        "Director of Adult Social Services and Trust Chief Operating Officer",
        ActionStatus.DONE,
    ),
)


# Actions agreed at the baseline on single statements, and what became of each by the
# six-month review, where they were carried: (organisation index, questionnaire, item,
# description, owner, due date, status at the review, what changed at the review).
BASELINE_ACTIONS: tuple[tuple[int, str, str, str, str, str, ActionStatus, dict], ...] = (
    (
        4,
        "democratic-involvement",
        "dem-members-4",
        "Send partnership board papers to councillor members ten working days before "
        "each meeting, so each council can take its view first.",
        "ICB Board Secretary",
        "2026-09-30",
        ActionStatus.DONE,
        {},
    ),
    (
        0,
        "democratic-involvement",
        "dem-scrutiny-3",
        "Reply in writing to every scrutiny recommendation within two months, saying "
        "what changed as a result.",
        "ICB Director of Corporate Affairs",
        "2026-10-31",
        ActionStatus.IN_PROGRESS,  # still in progress after its due date: overdue
        {},
    ),
    (
        0,
        "equal-partnership",
        "eq-funding-2",
        "Decide, with recorded reasons, which budgets to pool beyond the Better Care "
        "Fund, starting with reablement and hospital discharge.",
        "ICB Chief Finance Officer",
        "2026-12-31",
        ActionStatus.IN_PROGRESS,
        {
            "due_on": "2027-03-31",
            "owner": "ICB Chief Finance Officer and council Section 151 officers",
        },
    ),
    (
        4,
        "equal-partnership",
        "eq-workforce-2",
        "Report social care vacancy rates to the partnership board beside the NHS "
        "vacancy figures, every quarter.",
        "Director of Adult Social Services",
        "2026-08-31",
        ActionStatus.DONE,
        {},
    ),
    (
        None,
        "democratic-involvement",
        "dem-engagement-5",
        "Agree one rate at which all partners pay people with lived experience for their "
        "time on design groups.",
        "Healthwatch Northshire manager",
        "2026-10-31",
        ActionStatus.DROPPED,  # overtaken by the ICB's own involvement policy
        {},
    ),
    (
        None,
        "governance",
        "gov-decisions-3",
        "Write and publish a statement of what each place partnership can decide on its "
        "own authority.",
        "ICB Director of Strategy",
        "2027-01-31",
        ActionStatus.OPEN,
        {},
    ),
)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo added."""

    partnership_id: str
    organisations: int
    rounds: int
    assessments: int
    workshops: int
    actions: int


def _gap(section: Section) -> float:
    title = section.title.lower()
    return max((g for word, g in GAP_WORDS.items() if word in title), default=0.3)


class _Generator:
    """Draws answers from the model described in the module docstring."""

    def __init__(self, rng: random.Random, evidence_rng: random.Random):
        self.rng = rng
        self.evidence_rng = evidence_rng
        self.levels: dict[str, float] = {}

    def level(self, item: Item) -> float:
        if item.id not in self.levels:
            self.levels[item.id] = self.rng.uniform(2.2, 3.6)
        return self.levels[item.id]

    def scored(self, item: Item, section: Section, org: Organisation, round_no: int) -> int:
        gap = _gap(section) * (0.8 if round_no == 2 else 1.0)
        bias = {
            Sector.NHS: gap / 2,
            Sector.LOCAL_GOVERNMENT: -gap / 2,
            Sector.COMMUNITY: -0.35,
        }[org.sector]
        value = self.level(item) + bias + (0.3 if round_no == 2 else 0.0)
        value += self.rng.gauss(0, 0.6)
        return max(1, min(5, round(value)))

    def answer(
        self, services: Services, assessment_id: str, q: Questionnaire, org, round_no, targets
    ) -> None:
        rng = self.rng
        for section in q.sections:
            for item in section.items:
                draw = rng.random()
                dont_know = 0.10 if org.sector is Sector.COMMUNITY else 0.04
                if draw < dont_know:
                    services.answer(assessment_id, item.id, Unrated.DONT_KNOW)
                    continue
                if draw < dont_know + 0.015:
                    services.answer(assessment_id, item.id, Unrated.NOT_APPLICABLE)
                    continue
                scored = self.scored(item, section, org, round_no)
                services.answer(assessment_id, item.id, 6 - scored if item.reverse else scored)
                if targets and rng.random() < 0.6:
                    wanted = min(5, scored + rng.choice((1, 1, 2)))
                    services.set_target(
                        assessment_id, item.id, 6 - wanted if item.reverse else wanted
                    )
                if item.id in COMMENTS and rng.random() < COMMENT_CHANCE:
                    good, poor = COMMENTS[item.id]
                    said = good if scored >= 4 else poor if scored <= 2 else ()
                    if said:
                        services.set_comment(assessment_id, item.id, rng.choice(said))
                if scored >= 4 and item.id in EVIDENCE and self.evidence_rng.random() < 0.5:
                    named = self.evidence_rng.choice(EVIDENCE[item.id])
                    services.set_evidence(assessment_id, item.id, named)


def build_demo(services: Services, seed: int = 2026) -> DemoSummary:
    """Add the demo partnership, in one transaction: all of it or nothing."""
    rng = random.Random(seed)
    gen = _Generator(rng, random.Random(seed + 1))
    store = services.store
    # The baseline was answered on version 1.0 of each questionnaire and the six-month
    # review on the newest (1.1), so the review compares across versions as real data does.
    newest = {qid: services.latest_questionnaire(qid) for qid in QUESTIONNAIRE_IDS}
    on_version = (
        {qid: services.catalogue.get(qid, BASELINE_VERSION) or newest[qid] for qid in newest},
        newest,
    )
    counts = {"assessments": 0, "actions": 0}
    with store.transaction():
        partnership = store.add_partnership(DEMO_PARTNERSHIP_NAME, DEMO_ICS_NAME)
        orgs = [store.add_organisation(partnership.id, name, t) for name, t, _, _ in ORGANISATIONS]
        rounds: list[Round] = [
            store.add_round(partnership.id, "Baseline, May 2026", "2026-05-12"),
            store.add_round(partnership.id, "Six-month review, November 2026", "2026-11-10"),
        ]
        for round_no, rnd in enumerate(rounds, start=1):
            for org_index, (org, (_, _, person, role)) in enumerate(
                zip(orgs, ORGANISATIONS, strict=True)
            ):
                for qid, loaded in on_version[round_no - 1].items():
                    # The district council joined the democratic involvement work late.
                    if round_no == 1 and org_index == 6 and qid == "democratic-involvement":
                        continue
                    # The care providers' association joined for the six-month review.
                    if round_no == 1 and org_index == CARE_PROVIDERS_JOINED:
                        continue
                    a = _start(
                        services,
                        loaded,
                        round_id=rnd.id,
                        organisation_id=org.id,
                        kind=AssessmentKind.ORGANISATION,
                        respondent_name=person,
                        respondent_role=role,
                    )
                    counts["assessments"] += 1
                    q = loaded.questionnaire
                    gen.answer(services, a.id, q, org, round_no, targets=True)
                    # Two round-two responses are still being worked on.
                    if round_no == 2 and org_index in (3, 10) and qid == "equal-partnership":
                        _leave_half_done(services, a.id, q)
                        continue
                    services.submit(a.id, allow_unanswered=True)
        _baseline_actions(services, rounds, orgs, counts)
        _profile(services, rounds)
        _concerns(services, rounds, orgs)
        _workshop(services, gen, partnership.id, rounds[1], orgs, counts)
        for round_no, rnd in enumerate(rounds, start=1):
            org = orgs[4] if round_no == 1 else orgs[5]
            store.add_action(
                partnership_id=partnership.id,
                round_id=rnd.id,
                organisation_id=org.id,
                description="Brief all cabinet members on the partnership's decisions "
                "before each board meeting, and publish the briefing.",
                owner="Head of Democratic Services",
                due_on="2026-07-31" if round_no == 1 else "2027-01-31",
                status=ActionStatus.DONE if round_no == 1 else ActionStatus.OPEN,
            )
            counts["actions"] += 1
    return DemoSummary(
        partnership.id,
        len(orgs),
        len(rounds),
        counts["assessments"],
        1,
        counts["actions"],
    )


def _start(services: Services, loaded: LoadedQuestionnaire, **fields) -> Assessment:
    """A new draft on the questionnaire version ``loaded`` (Services.start_assessment
    starts on the newest version; the baseline was answered on 1.0)."""
    q = loaded.questionnaire
    services.keep_questionnaire(loaded)
    return services.store.create_assessment(
        questionnaire_id=q.id, questionnaire_version=q.version, **fields
    )


def _baseline_actions(services: Services, rounds, orgs, counts) -> None:
    """The baseline's actions on single statements, carried to the six-month review,
    and their progress there (BASELINE_ACTIONS)."""
    baseline, review = rounds
    originals = {}
    for org_index, qid, item_id, description, owner, due, _, _ in BASELINE_ACTIONS:
        action = services.create_action(
            baseline.id,
            description=description,
            owner=owner,
            due_on=due,
            organisation_id=orgs[org_index].id if org_index is not None else None,
            questionnaire_id=qid,
            item_id=item_id,
        )
        originals[action.id] = action
        counts["actions"] += 1
    carried = services.carry_forward(baseline.id, review.id)
    counts["actions"] += len(carried)
    progress = {row[3]: (row[6], row[7]) for row in BASELINE_ACTIONS}  # by description
    for copy in carried:
        status, changes = progress[copy.description]
        if changes:
            services.update_action(copy.id, **changes)
        if status is not ActionStatus.OPEN:
            services.update_action(copy.id, status=status.value)


# The partnership profile of each round (issue 11): fact id, (baseline, review) values,
# source, and the date each was true on. The baseline's "nine out of 91" councillors on
# the ICB board is the seed's figure.
PROFILE_FACTS: tuple[tuple[str, tuple[float, float], str], ...] = (
    ("icb_voting_members", (91, 91), "ICB board papers: membership"),
    ("icb_nhs_members", (70, 68), "ICB board papers: membership"),
    ("icb_local_government_members", (12, 14), "ICB board papers: membership"),
    ("icb_community_members", (9, 9), "ICB board papers: membership"),
    ("icb_councillors", (9, 11), "ICB board papers: membership"),
    ("icp_voting_members", (30, 32), "ICP terms of reference"),
    ("icp_nhs_members", (10, 10), "ICP terms of reference"),
    ("icp_local_government_members", (14, 15), "ICP terms of reference"),
    ("icp_community_members", (6, 7), "ICP terms of reference"),
    ("icp_councillors", (11, 12), "ICP terms of reference"),
    ("prevention_share", (3.6, 3.9), "ICB annual accounts: spend by programme"),
    # No target at the baseline; one point over five years agreed by the review.
    ("prevention_target_points", (0, 1), "ICP minutes: prevention target"),
    ("pooled_beyond_bcf", (4_200_000, 5_100_000), "Section 75 agreements register"),
    ("social_care_vacancy_rate", (9.9, 9.4), "Adult social care workforce estimates"),
    ("local_sme_contract_share", (11.2, 12.8), "Partners' procurement returns"),
)
PROFILE_DATES = ("2026-04-30", "2026-10-31")


def _profile(services: Services, rounds) -> None:
    """The profile facts of both rounds (PROFILE_FACTS)."""
    for index, rnd in enumerate(rounds):
        for fact_id, values, source in PROFILE_FACTS:
            services.set_profile_value(
                rnd.id, fact_id, values[index], source=source, as_of=PROFILE_DATES[index]
            )


# The concerns partners raised at the baseline (issue 11), which the review pack asks
# about: (organisation index, questionnaire, section, statement, their words).
CONCERNS: tuple[tuple[int, str, str | None, str | None, str], ...] = (
    (
        4,
        "democratic-involvement",
        None,
        "dem-members-1",
        "Only nine of the ICB's 91 voting members are councillors: the people residents "
        "elect are a tenth of the board that decides their health services.",
    ),
    (
        4,
        "equal-partnership",
        "funding",
        None,
        "Social care's funding gap is acknowledged in every plan and answered in none; "
        "money is pooled only where the Better Care Fund makes us.",
    ),
    (
        5,
        "democratic-involvement",
        None,
        "dem-scrutiny-3",
        "Our scrutiny committee's recommendations to the ICB have gone unanswered for a year.",
    ),
    (
        9,
        "governance",
        "transparency",
        None,
        "Board papers appear too late for residents to read them before the meeting.",
    ),
)


def _concerns(services: Services, rounds, orgs) -> None:
    """The concerns raised at the baseline (CONCERNS)."""
    for org_index, qid, section_id, item_id, note in CONCERNS:
        services.add_concern(
            rounds[0].id,
            questionnaire_id=qid,
            section_id=section_id,
            item_id=item_id,
            organisation_id=orgs[org_index].id,
            note=note,
        )


def _leave_half_done(services: Services, assessment_id: str, q: Questionnaire) -> None:
    """Clear the second half of the answers, as if the respondent stopped half way."""
    items = q.items
    for item in items[len(items) // 2 :]:
        services.answer(assessment_id, item.id, None)
        services.set_target(assessment_id, item.id, None)
        services.set_comment(assessment_id, item.id, "")
        services.set_evidence(assessment_id, item.id, "")
    services.store.set_position(assessment_id, items[len(items) // 2].id)


def _workshop(services, gen, partnership_id, rnd, orgs, counts) -> None:
    store = services.store
    loaded = services.latest_questionnaire(WORKSHOP_QUESTIONNAIRE)
    q = loaded.questionnaire
    workshop = store.add_workshop(
        round_id=rnd.id,
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        title="Equal partnership workshop",
        held_on="2026-11-18",
        facilitator="Dr Priya Raman, independent facilitator",
    )
    participants = []
    for org_index, name, role in WORKSHOP_PARTICIPANTS:
        a = services.start_assessment(
            round_id=rnd.id,
            organisation_id=orgs[org_index].id,
            questionnaire_id=q.id,
            kind=AssessmentKind.INDIVIDUAL,
            respondent_name=name,
            respondent_role=role,
            workshop_id=workshop.id,
        )
        gen.answer(services, a.id, q, orgs[org_index], 2, targets=False)
        services.submit(a.id, allow_unanswered=True)
        participants.append(a.id)
        counts["assessments"] += 1
    answers = store.answers_for(participants)
    sector_of = {
        a: orgs[index].sector
        for a, (index, _, _) in zip(participants, WORKSHOP_PARTICIPANTS, strict=True)
    }
    split_item = _most_divided(q, participants, answers, sector_of)
    for item in q.items:
        ratings = sorted(
            answers[a][item.id].rating
            for a in participants
            if item.id in answers[a] and answers[a][item.id].rating is not None
        )
        if not ratings:
            continue
        agreed = ratings[len(ratings) // 2]
        target_step = 1 if item.reverse else -1
        target = max(1, min(5, agreed - target_step))
        reasoning = REASONINGS.get(item.id, "")
        if item.id == split_item[0]:
            _, positions = split_item
            services.set_not_agreed(
                workshop.id,
                item.id,
                positions,
                reasoning=(
                    "Not agreed. The sectors read the evidence differently and the room "
                    "asked for the joint review to report before settling a rating."
                ),
            )
            continue
        store.set_agreed(workshop.id, item.id, agreed, target=target, reasoning=reasoning)
    for words, description, owner, status in ACTIONS:
        section = next((s for s in q.sections if words in s.title.lower()), None)
        store.add_action(
            partnership_id=partnership_id,
            round_id=rnd.id,
            workshop_id=workshop.id,
            questionnaire_id=q.id,
            section_id=section.id if section else None,
            description=description,
            owner=owner,
            due_on="2027-03-31" if status is not ActionStatus.DONE else "2026-11-30",
            status=status,
        )
        counts["actions"] += 1
    # Actions that came up on single statements: the one not agreed, and the first
    # statement of the first section.
    for item_id, description, owner in (
        (
            split_item[0],
            "Bring the joint review of this statement's evidence to the next partnership "
            "board, with each sector's reading of it.",
            "Partnership board secretary",
        ),
        (
            q.items[0].id,
            "Publish the partnership board's forward plan a month ahead of each meeting.",
            "ICB Director of Strategy",
        ),
    ):
        services.add_workshop_action(
            workshop.id, item_id, description=description, owner=owner, due_on="2027-01-31"
        )
        counts["actions"] += 1


def _most_divided(
    q: Questionnaire,
    participants: list[str],
    answers: dict,
    sector_of: dict[str, Sector],
) -> tuple[str, tuple[Position, ...]]:
    """The statement whose sectors' median ratings lie furthest apart, and the two
    positions the room held on it: the lowest sector median and the highest, each with
    the sectors nearer to it (the first such statement on a tie)."""
    best: tuple[int, str, tuple[Position, ...]] | None = None
    for item in q.items:
        medians: dict[Sector, int] = {}
        for sector in Sector:
            ratings = sorted(
                answers[a][item.id].rating
                for a in participants
                if sector_of[a] is sector
                and item.id in answers[a]
                and answers[a][item.id].rating is not None
            )
            if ratings:
                medians[sector] = ratings[len(ratings) // 2]
        if len(medians) < 2:
            continue
        low, high = min(medians.values()), max(medians.values())
        if high == low:
            continue
        lows = tuple(s for s in Sector if s in medians and medians[s] - low <= high - medians[s])
        highs = tuple(s for s in Sector if s in medians and s not in lows)
        if best is None or high - low > best[0]:
            best = (high - low, item.id, (Position(low, lows), Position(high, highs)))
    if best is None:  # every sector agreed everywhere: the first statement, one step apart
        item = q.items[0]
        return item.id, (Position(2, (Sector.NHS,)), Position(3, (Sector.LOCAL_GOVERNMENT,)))
    return best[1], best[2]
