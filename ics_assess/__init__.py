"""ICS Assess: self-assessment of Integrated Care System partnerships."""

__version__ = "0.1.0"
