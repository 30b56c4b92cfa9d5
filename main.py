"""ICS Assess: with no arguments, the desktop app; with arguments, the command line."""

import sys


def run() -> int:
    """Start the GUI or the CLI."""
    if len(sys.argv) > 1:
        from ics_assess.cli import main

        return main(sys.argv[1:])
    from ics_assess.ui.app import run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(run())
