#!/usr/bin/env bash
# Build ICS Assess as a desktop app in one folder, dist/ics-assess/, with PyInstaller, then
# start it once to check it: offscreen, on a new data folder, it must show the welcome page
# with the shipped questionnaires and fonts. Prints the build's time and size, and leaves a
# picture of the started window in dist/ics-assess-smoke/window.png.
#
# Needs the project's .venv (the README's first command). Works from Linux, macOS or Git
# Bash on Windows; PyInstaller does not cross-compile, so each system builds its own app.
#
#   packaging/build-desktop.sh            build and check
#   packaging/build-desktop.sh --check    only check the app already in dist/
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -s)" in
MINGW* | MSYS* | CYGWIN*)
	windows=1 python=.venv/Scripts/python.exe app=dist/ics-assess/ics-assess.exe
	;;
*) windows=0 python=.venv/bin/python app=dist/ics-assess/ics-assess ;;
esac
if [ ! -x "$python" ]; then
	echo "No .venv here: run the README's first command before building." >&2
	exit 1
fi

if [ "${1:-}" != "--check" ]; then
	"$python" -m pip install -q 'pyinstaller>=6.22,<7'
	start=$(date +%s)
	"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/pyinstaller/ics-assess.spec
	size=$(du -sh dist/ics-assess | cut -f1)
	echo "Built $app in $(($(date +%s) - start)) s; the folder holds $size."
fi

# The check: a first start, as on a new machine, with no screen needed.
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
smoke=dist/ics-assess-smoke
rm -rf "$smoke"
ICS_ASSESS_DATA_DIR="$check/data" ICS_ASSESS_SMOKE_TEST="$smoke" QT_QPA_PLATFORM=offscreen \
	"$app"
"$python" - "$smoke/smoke.json" <<'EOF'
import json, sys

shown = json.load(open(sys.argv[1], encoding="utf-8"))
problems = [
    what
    for what, ok in [
        ("it is not the frozen build", shown["frozen"]),
        (f"it shows the {shown['page']} page, not the welcome page", shown["page"] == "welcome"),
        ("the window is not visible", shown["visible"]),
        ("it has no questionnaires", shown["questionnaires"]),
        ("it has no fonts", shown["fonts"]),
    ]
    if not ok
]
if problems:
    sys.exit("The frozen app started, but " + "; ".join(problems) + f": {shown}")
print(
    f"Started: '{shown['title']}' shows the welcome page "
    f"({shown['texts'][0]!r}), {len(shown['questionnaires'])} questionnaires, "
    f"{shown['fonts']} fonts; a picture of it is in {sys.argv[1].rsplit('/', 1)[0]}/window.png"
)
EOF
if [ "$windows" = 0 ]; then
	# The command line of the same build (a windowed Windows build has no console for it).
	ICS_ASSESS_DATA_DIR="$check/data" "$app" forms list
fi
