"""Use cases of the partnerships, their rounds and their organisations: list, add,
rename, change an organisation's partner type, and find one by id or name."""

from __future__ import annotations

from ..domain import Organisation, Partnership, PartnerType, Round
from ..store import KEEP
from .core import ServicesCore, _find_one


class PartnershipUseCases(ServicesCore):
    """Partnerships, rounds and organisations, as the home screen and the CLI need them."""

    # --- partnerships ------------------------------------------------------------------

    def partnerships(self) -> list[Partnership]:
        """Every partnership, by name."""
        return self.store.partnerships()

    def partnership(self, partnership_id: str) -> Partnership:
        """One partnership (RecordNotFoundError if there is none)."""
        return self.store.partnership(partnership_id)

    def add_partnership(self, name: str, ics_name: str = "") -> Partnership:
        """A new partnership; InvalidTextError when a name breaks the text rules."""
        return self.store.add_partnership(name, ics_name)

    def update_partnership(
        self, partnership_id: str, *, name: str = KEEP, ics_name: str = KEEP
    ) -> Partnership:
        """Rename a partnership or change its ICS name (what is not given is kept)."""
        return self.store.update_partnership(partnership_id, name=name, ics_name=ics_name)

    # --- rounds ------------------------------------------------------------------------

    def rounds(self, partnership_id: str | None = None) -> list[Round]:
        """The rounds of a partnership, or of every partnership."""
        return self.store.rounds(partnership_id)

    def round(self, round_id: str) -> Round:
        """One round (RecordNotFoundError if there is none)."""
        return self.store.round(round_id)

    def add_round(self, partnership_id: str, name: str, opened_on: str = "") -> Round:
        """A new round of a partnership. When the partnership has an earlier round, its
        open and in-progress actions are carried into the new one (carry_forward), in
        the same transaction: the next round starts with what is still to do."""
        with self.store.transaction():
            rnd = self.store.add_round(partnership_id, name, opened_on)
            earlier = self.previous_round(rnd.id)
            if earlier is not None:
                self.carry_forward(earlier.id, rnd.id)
        return rnd

    def update_round(self, round_id: str, *, name: str = KEEP, opened_on: str = KEEP) -> Round:
        """Rename a round or change its opening date (what is not given is kept)."""
        return self.store.update_round(round_id, name=name, opened_on=opened_on)

    def resolve_round(self, text: str, partnership_id: str) -> Round:
        """A round of a partnership from its full id, a unique beginning of its id (4
        characters or more), or its exact name (ignoring case and surrounding spaces)."""
        rounds = self.store.rounds(partnership_id)
        names = "; ".join(r.name for r in rounds).replace("{", "{{").replace("}", "}}")
        missing = (
            "The organisation's partnership has no round with the id or name '{wanted}' "
            f"(its rounds: {names or 'none'})."
        )
        return _find_one(rounds, text, "round", missing)

    def find_round(self, text: str) -> Round:
        """A round of any partnership from its full id, a unique beginning of its id (4
        characters or more), or its exact name (ignoring case and surrounding spaces)."""
        return _find_one(self.store.rounds(), text, "round")

    # --- organisations -----------------------------------------------------------------

    def organisations(self, partnership_id: str | None = None) -> list[Organisation]:
        """The organisations of a partnership, or of every partnership."""
        return self.store.organisations(partnership_id)

    def organisation(self, organisation_id: str) -> Organisation:
        """One organisation (RecordNotFoundError if there is none)."""
        return self.store.organisation(organisation_id)

    def add_organisation(
        self, partnership_id: str, name: str, partner_type: PartnerType | str
    ) -> Organisation:
        """A new organisation of a partnership, of one partner type."""
        return self.store.add_organisation(partnership_id, name, partner_type)

    def update_organisation(
        self, organisation_id: str, *, name: str = KEEP, partner_type: PartnerType | str = KEEP
    ) -> Organisation:
        """Rename an organisation or change its partner type (what is not given is kept)."""
        return self.store.update_organisation(organisation_id, name=name, partner_type=partner_type)

    def resolve_organisation(self, text: str) -> Organisation:
        """An organisation from its full id, a unique beginning of its id (4 characters
        or more), or its exact name (ignoring case and surrounding spaces)."""
        return _find_one(self.store.organisations(), text, "organisation")
