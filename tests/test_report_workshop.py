"""The workshop PDF (issue 10), opened with pypdf as a reader would: the demo workshop's
cover, who took part (counts only), each section's agreed score beside the participants'
mean, the split statements and how they were resolved, every outcome and its reasoning,
and the action plan, on numbered pages with bookmarks and metadata; no participant's
name anywhere; a workshop with fewer than 3 participants shows no distribution and says
so; a room that did not agree prints each position and the sectors holding it; hostile
text prints literally."""

from __future__ import annotations

from datetime import date

import pytest

from ics_assess.domain import Position, Sector
from ics_assess.services import RecordNotFoundError, Services

from .test_report import HOSTILE, Pdf, demo_services, norm

PRODUCED = date(2026, 12, 1)
QUESTIONNAIRE = "equal-partnership"


def outline_pages(pdf: Pdf) -> dict[str, tuple[int, int]]:
    """Each top-level part's first and last page (from 1), from the bookmarks."""
    top = [(title, page) for level, title, page in pdf.outline() if level == 0]
    out = {}
    for i, (title, page) in enumerate(top):
        end = top[i + 1][1] if i + 1 < len(top) else len(pdf.pages)
        out[title] = (page, max(page, end))
    return out


def part_text(pdf: Pdf, title: str) -> str:
    first, last = outline_pages(pdf)[title]
    return " ".join(pdf.pages[first - 1 : last])


def _view(services: Services, workshop_id: str):
    return services.workshop_view(workshop_id)


# --- the demo workshop -------------------------------------------------------------------


def test_demo_workshop_report(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        workshop = services.store.workshops()[0]
        view = _view(services, workshop.id)
        people = services.store.workshop_participants(workshop.id)
        result = services.report_workshop(
            workshop.id, tmp_path / "workshop.pdf", produced_on=PRODUCED
        )
    pdf = Pdf(result.path)
    assert result.pages == len(pdf.pages) >= 8
    pdf.assert_numbered()
    pdf.assert_no_links_or_images()
    meta = pdf.reader.metadata
    assert meta.title == "Equal partnership workshop: workshop report, " + view.round.name
    assert view.partnership.name in meta.subject

    titles = [title for level, title, _ in pdf.outline() if level == 0]
    assert titles == [
        "Cover",
        "Who took part",
        "Sections: agreed and the participants' own view",
        "Split statements and how they were resolved",
        "Every statement: outcome and reasoning",
        "Action plan",
        "How this report counts",
        "Appendix: how the scores are calculated",
    ]

    cover = pdf.pages[0]
    for text in (
        view.partnership.name,
        view.round.name,
        f"{view.questionnaire.title}, version {view.questionnaire.version}",
        "Equal partnership workshop",
        "18 November 2026",
        "Dr Priya Raman, independent facilitator",
        f"{view.taking_part.answered} participants handed back their answers",
        "1 December 2026",
        f"Agreed overall score {view.agreed_score.mean:.1f}",
        f"The participants' own mean: {view.participants_overall:.1f}",
    ):
        assert norm(text) in cover, text

    who = part_text(pdf, "Who took part")
    t = view.taking_part
    assert f"{t.expected} participants joined the workshop" in who
    for sector, n in t.by_sector.items():
        assert f"{sector.label} {n}" in who
    for partner_type, n in t.by_partner_type.items():
        assert f"{partner_type.label} {n}" in who

    sections = part_text(pdf, "Sections: agreed and the participants' own view")
    for s in view.sections:
        assert s.agreed.mean is not None and s.participants_mean is not None
        line = f"{s.number} {s.section.title} {s.agreed.mean:.1f}"
        assert norm(line) in sections, line
        assert f"{s.participants_mean:.1f} (n={s.participants_n})" in sections

    split = part_text(pdf, "Split statements and how they were resolved")
    assert view.split_items, "the demo has split statements"
    for row in view.split_items:
        assert f"{row.number} " in split
        assert f"n {row.n} · mean {row.mean:.1f} · agreement {row.spread.consensus:.2f}" in split
        assert f"Agreed {row.agreed.rating} (" in split

    outcomes = part_text(pdf, "Every statement: outcome and reasoning")
    for row in view.statements:
        assert f"{row.number} " in outcomes
    reasonings = {r.agreed.reasoning for r in view.statements if r.agreed and r.agreed.reasoning}
    assert reasonings
    for reasoning in reasonings:
        assert norm(reasoning) in norm(outcomes), reasoning

    plan = part_text(pdf, "Action plan")
    assert view.actions
    for action in view.actions:
        assert norm(action.description) in plan
        assert norm(action.owner) in plan
    assert "31 March 2027" in plan and "In progress" in plan and "Done" in plan

    # Never a participant's name, anywhere.
    names = [a.respondent_name for a in people if a.respondent_name]
    assert len(names) >= 5
    for name in names:
        assert norm(name) not in pdf.text, name


# --- small workshops ----------------------------------------------------------------------


def _workshop(services, rnd, **kw):
    return services.create_workshop(
        round_id=rnd.id,
        questionnaire_id=QUESTIONNAIRE,
        title=kw.pop("title", "Spring workshop"),
        held_on=kw.pop("held_on", "2026-11-18"),
        facilitator=kw.pop("facilitator", "Sam Facilitator"),
    )


def _participant(services, workshop, org, ratings, *, name=None, hand_back=True):
    """A participant rating the questionnaire's statements in turn from ``ratings``."""
    person = services.add_participant(workshop.id, organisation_id=org.id, respondent_name=name)
    q = services.questionnaire(workshop.questionnaire_id, workshop.questionnaire_version)
    for item, rating in zip(q.items, ratings, strict=False):
        services.answer(person.id, item.id, rating)
    if hand_back:
        services.hand_back(person.id)
    return person


def _items(services, workshop):
    return services.questionnaire(workshop.questionnaire_id, workshop.questionnaire_version).items


def test_fewer_than_three_participants_shows_no_distribution(services, partnership_setup, tmp_path):
    _, rnd, orgs = partnership_setup
    w = _workshop(services, rnd)
    _participant(services, w, orgs["icb"], [1] * 40, name="Alice Hidden")
    _participant(services, w, orgs["council"], [5] * 40, name="Bob Hidden")
    _participant(services, w, orgs["vcse"], [3] * 40, name="Carol Drafting", hand_back=False)
    first = _items(services, w)[0]
    services.set_agreed_outcome(w.id, first.id, 3, reasoning="Met in the middle.")
    result = services.report_workshop(w.id, tmp_path / "w.pdf", produced_on=PRODUCED)
    pdf = Pdf(result.path)
    pdf.assert_numbered()
    text = pdf.text
    assert "Fewer than 3 participants handed back, so their own scores are not shown" in text
    assert "Fewer than 3 participants handed back their answers (2)" in text
    assert "1 still answering, not counted" in pdf.pages[0]
    assert "not shown: under 3" in text
    assert "· agreement" not in text  # no statement's spread is printed
    assert "Met in the middle." in text
    assert "Agreed 3 (" in text
    for name in ("Alice Hidden", "Bob Hidden", "Carol Drafting"):
        assert name not in text
    # The section means of 2 participants are not shown: 1.0 and 5.0 would be theirs.
    sections = part_text(pdf, "Sections: agreed and the participants' own view")
    assert "Not shown: fewer than 3 have a score" in sections
    assert "(n=2)" not in sections


def test_a_room_that_did_not_agree_prints_each_position_by_sector(
    services, partnership_setup, tmp_path
):
    p, rnd, orgs = partnership_setup
    district = services.store.add_organisation(p.id, "Test District", "district_council")
    trust = services.store.add_organisation(p.id, "Test Trust", "nhs_trust")
    w = _workshop(services, rnd)
    # Ratings on the first statement 1, 1, 5, 5, 5, 1: agreement 0, split.
    for org, r in (
        (orgs["icb"], 5),
        (trust, 5),
        (orgs["council"], 1),
        (district, 1),
        (orgs["vcse"], 1),
        (orgs["icb"], 5),
    ):
        _participant(services, w, org, [r] * 40)
    first = _items(services, w)[0]
    services.set_not_agreed(
        w.id,
        first.id,
        [Position(5, (Sector.NHS,)), Position(1, (Sector.LOCAL_GOVERNMENT, Sector.COMMUNITY))],
        reasoning="Two camps; revisit in March.",
    )
    services.add_workshop_action(
        w.id, first.id, description="Bring the evidence back.", owner="Board secretary"
    )
    result = services.report_workshop(w.id, tmp_path / "w.pdf", produced_on=PRODUCED)
    pdf = Pdf(result.path)
    split = part_text(pdf, "Split statements and how they were resolved")
    assert "1.1 " in split and "agreement 0.00" in split
    assert "Not agreed" in split
    assert "5 (" in split and ": NHS" in split
    assert ": local government and community" in split
    assert "Two camps; revisit in March." in split
    # NHS 3 ratings shown alone; local government 2 and community 1 together.
    assert "Local government and community together" in split
    plan = part_text(pdf, "Action plan")
    assert "1.1 " in plan and "Bring the evidence back." in plan and "Board secretary" in plan
    who = part_text(pdf, "Who took part")
    assert "6 participants joined the workshop" in who
    assert "NHS 3" in who and "Integrated Care Board 2" in who


def test_hostile_text_prints_literally(services, partnership_setup, tmp_path):
    p, rnd, orgs = partnership_setup
    services.store.update_partnership(p.id, name="Partnership " + HOSTILE[3])
    w = _workshop(services, rnd, title="Workshop " + HOSTILE[0], facilitator=HOSTILE[1])
    for org in orgs.values():
        _participant(services, w, org, [3] * 40, name=HOSTILE[2])
    first, second = _items(services, w)[:2]
    services.set_agreed_outcome(w.id, first.id, 4, reasoning=HOSTILE[2] + "\n" + HOSTILE[3])
    services.add_workshop_action(w.id, second.id, description=HOSTILE[0], owner=HOSTILE[3])
    result = services.report_workshop(w.id, tmp_path / "w.pdf", produced_on=PRODUCED)
    pdf = Pdf(result.path)
    for text in HOSTILE:
        assert norm(text) in pdf.text, text
    pdf.assert_no_links_or_images()
    # The participants' (hostile) name is never printed: the only link-like text is the
    # reasoning's, once in the outcomes table.
    assert pdf.text.count(norm(HOSTILE[2])) == 1


def test_an_unknown_workshop_is_one_sentence(services, tmp_path):
    with pytest.raises(RecordNotFoundError) as caught:
        services.report_workshop("no-such-workshop", tmp_path / "w.pdf")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "w.pdf").exists()
