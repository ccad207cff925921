#!/usr/bin/env bash
# An instructor new to irsim, from the app alone: opens the library, clicks "Author a scenario",
# picks the real CT from the list of the shipped scenarios' CTs, opens it, clicks L1's body on the
# sagittal slice, saves, plays, and ends the procedure; the session is stored, scored, for the
# trainee. Real X input (xdotool) under the X server xvfb-run starts (window_test.cpp does).
# Usage: library_author_click.sh IRSIM OUTDIR. The scenario is written in OUTDIR/data (the user
# data folder: irsim/scenarios/my-scenario.toml). Leaves in OUTDIR: r.sqlite, irsim.txt, steps.txt.
set -euo pipefail
source "$(dirname "$0")/clicks.sh"
irsim=$1
cd "$2"
rm -rf r.sqlite steps.txt irsim.txt data
export XDG_DATA_HOME=$PWD/data

"$irsim" library --trainee anna --records "sqlite:$PWD/r.sqlite" > irsim.txt 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
step() { echo "$(date +%s.%N) $*" >> steps.txt; }

lib=$(timeout 60 xdotool search --sync --name '^irsim - scenario library' | head -n 1)
step "library $lib"
sleep 4
xdotool windowfocus --sync "$lib"
click "$lib" 1173 36   # Author a scenario
step "clicked Author a scenario"
wid=$(timeout 60 xdotool search --sync --name '^irsim - author a scenario' | head -n 1)
step "author $wid"
sleep 4
xdotool windowfocus --sync "$wid"
click "$wid" 950 97    # the list of the shipped scenarios' CTs
click "$wid" 900 119   # its first entry: example_ct_sm with its label map
click "$wid" 836 166   # Open CT
wait_for_line '^author: opened .*example_ct_sm'
step "opened the CT"
sleep 3                # the slices and the first check
click "$wid" 650 205   # L1's body on the sagittal slice
step "clicked L1"
click "$wid" 913 53    # Save
click "$wid" 957 53    # Play
step "clicked Play"
sim=$(timeout 120 xdotool search --sync --name '^irsim - Vertebroplasty' | head -n 1)
step "simulator $sim"
sleep 5
end_procedure_and_close "$sim" '^irsim - author a scenario'
