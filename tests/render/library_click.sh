#!/usr/bin/env bash
# Opens the scenario library as a trainee, clicks the first scenario's Start button with a real X
# mouse click (xdotool), waits for the simulator's window of that scenario, ends the procedure
# there with a click, and closes it; the session goes to the trainee's records. Run under the X server xvfb-run starts (window_test.cpp
# does). Usage: library_click.sh IRSIM OUTDIR. Leaves in OUTDIR: r.sqlite, irsim.txt, steps.txt.
set -euo pipefail
source "$(dirname "$0")/clicks.sh"
irsim=$1
cd "$2"
rm -f r.sqlite steps.txt irsim.txt

"$irsim" library --once --trainee anna --records "sqlite:$PWD/r.sqlite" > irsim.txt 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
step() { echo "$(date +%s.%N) $*" >> steps.txt; }

wid=$(timeout 60 xdotool search --sync --name '^irsim - scenario library' | head -n 1)
step "library $wid"
sleep 2  # frames are being drawn
xdotool windowfocus --sync "$wid"
# The first row (the introductory C-arm positioning) has its Start button at about (149, 109).
click "$wid" 149 109
step "clicked Start"
sim=$(timeout 120 xdotool search --sync --name '^irsim - C-arm positioning' | head -n 1)
step "simulator $sim"
sleep 3
end_procedure_and_close "$sim"
