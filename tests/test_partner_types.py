"""A new organisation's partner type is guessed from its name (issue 14): a council was
offered "Integrated Care Board", the first type in the list. And the New assessment
dialog on an empty database says what to press first."""

from __future__ import annotations

import pytest

from ics_assess.domain import PartnerType
from ics_assess.partner_types import guess_partner_type

from .ui_support import FakeDialogs

CARE_PROVIDER = PartnerType.__members__.get("CARE_PROVIDER", PartnerType.OTHER)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Westmoor County Council", PartnerType.UPPER_TIER_COUNCIL),
        ("Westmoor City Council", PartnerType.UPPER_TIER_COUNCIL),
        ("Cornwall Council", PartnerType.UPPER_TIER_COUNCIL),
        ("London Borough of Camden", PartnerType.UPPER_TIER_COUNCIL),
        ("Royal Borough of Greenwich Council", PartnerType.UPPER_TIER_COUNCIL),
        ("Wigan Metropolitan Borough Council", PartnerType.UPPER_TIER_COUNCIL),
        ("Eastdale District Council", PartnerType.DISTRICT_COUNCIL),
        ("Northshire Borough Council", PartnerType.DISTRICT_COUNCIL),
        ("Council of the Borough of Eastdale", PartnerType.DISTRICT_COUNCIL),
        # "Council" in the name of a voluntary sector body does not make it a council.
        ("Northshire Council for Voluntary Service", PartnerType.VCSE),
        ("Eastdale CVS", PartnerType.VCSE),
        ("Northshire and Westmoor Voluntary Action", PartnerType.VCSE),
        ("Healthwatch Northshire", PartnerType.HEALTHWATCH),
        ("NHS Northshire and Westmoor Integrated Care Board", PartnerType.ICB),
        ("Northshire ICB", PartnerType.ICB),
        ("Northshire Teaching Hospitals NHS Foundation Trust", PartnerType.NHS_TRUST),
        ("Westmoor Community and Mental Health NHS Trust", PartnerType.NHS_TRUST),
        ("North West Ambulance Service", PartnerType.NHS_TRUST),
        ("Northshire Public Health", PartnerType.PUBLIC_HEALTH),
        ("Northshire County Council Public Health", PartnerType.PUBLIC_HEALTH),
        ("Eastdale Primary Care Network", PartnerType.PRIMARY_CARE),
        ("Westmoor PCN", PartnerType.PRIMARY_CARE),
        ("Northshire GP Federation", PartnerType.PRIMARY_CARE),
        ("Northshire Care Association", CARE_PROVIDER),
        ("Westmoor Home Care Ltd", CARE_PROVIDER),
        ("Northshire Fire and Rescue Service", PartnerType.OTHER),
        ("Westmoor Police", PartnerType.OTHER),
        ("", PartnerType.OTHER),
        ("  northshire   COUNTY council ", PartnerType.UPPER_TIER_COUNCIL),
    ],
)
def test_guess_partner_type(name, expected):
    assert guess_partner_type(name) is expected


def test_the_demo_organisations_are_each_guessed_right(demo_db):
    """The demo's twelve organisations, one of every partner type, named as real ones
    are: each name gives the type the demo gives it."""
    from ics_assess.services import Services

    with Services.open(demo_db, create=False) as services:
        organisations = [o for p in services.partnerships() for o in services.organisations(p.id)]
    assert len(organisations) >= 10
    wrong = [
        (o.name, o.partner_type.value, guess_partner_type(o.name).value)
        for o in organisations
        if guess_partner_type(o.name) is not o.partner_type
    ]
    assert wrong == []


# --- in the window ---------------------------------------------------------------------------


class RecordingDialogs(FakeDialogs):
    """FakeDialogs that also keeps the entry each list question offered first."""

    def __init__(self):
        super().__init__()
        self.offered: list[str] = []

    def item(self, title, label, items, current=0):
        self.offered.append(items[current])
        return super().item(title, label, items, current)


def test_a_new_council_is_offered_as_a_council(qtbot, isolated_data_dir):
    from ics_assess.services import Services
    from ics_assess.ui.new_assessment import ask_new_organisation

    dialogs = RecordingDialogs()
    with Services.open(isolated_data_dir / "db.sqlite") as services:
        partnership = services.add_partnership("Place", "ICS")
        for name in ("Westmoor County Council", "Eastdale District Council", "Eastdale CVS"):
            dialogs.answers.extend([name, None])  # the name; then cancel the type
            assert ask_new_organisation(services, dialogs, partnership.id) is None
        dialogs.answers.extend(["Healthwatch Westmoor", 7])  # the name; then the 8th type
        created = ask_new_organisation(services, dialogs, partnership.id)
    assert dialogs.offered == [
        "Upper-tier council",
        "District council",
        "Voluntary and community sector",
        "Healthwatch",
    ]
    assert created is not None and created.name == "Healthwatch Westmoor"


def test_an_empty_database_says_what_to_press_first(qtbot, isolated_data_dir):
    """An empty database's New assessment dialog showed three empty lists and said
    nothing of the New… buttons beside them: it now says what to do next, and stops
    saying it once each list has something in it."""
    from ics_assess.domain import PartnerType
    from ics_assess.services import Services
    from ics_assess.ui.new_assessment import NewAssessmentDialog

    dialogs = FakeDialogs()
    with Services.open(isolated_data_dir / "db.sqlite") as services:
        dialog = NewAssessmentDialog(services, dialogs)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.hint.isVisible()
        assert "New partnership… (Alt+H)" in dialog.hint.text()
        dialogs.answers.extend(["Kbd Place", "Kbd ICS"])
        dialog._new_partnership()
        assert "New round… (Alt+U)" in dialog.hint.text()
        dialogs.answers.append("Baseline")
        dialog._new_round()
        assert "New organisation… (Alt+G)" in dialog.hint.text()
        partnership = dialog.partnership.currentData()
        services.add_organisation(partnership, "Westmoor County Council", PartnerType.ICB)
        dialog._partnership_changed()
        assert not dialog.hint.isVisible() and dialog.hint.text() == ""
        dialog.close()
