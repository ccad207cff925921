#!/usr/bin/env bash
# A resident's hand on the radioembolization panel through real X mouse events (xdotool): the hand on
# the 0.035" wire's hub, the wire out of the sheath, the microcatheter and the microwire in, Plan
# activity, Draw the planned activity, Infuse spheres, then the CT panel's Dose map. Run under the X
# server xvfb-run starts (window_test.cpp does). Usage: window_y90.sh IRSIM OUTDIR
# Leaves in OUTDIR: session.jsonl (the actions the window recorded), report.json (written when SIGTERM
# closes the window), dosemap.png, irsim.txt, steps.txt.
set -euo pipefail
irsim=$1
cd "$2"
rm -f session.jsonl report.json steps.txt ./*.png

. "$(dirname "${BASH_SOURCE[0]}")/window_session.sh"
start_window radioembolization-right-lobe --screenshot shot.png --report report.json
shot() {  # the next frame as a PNG
    kill -USR1 "$pid"
    for _ in $(seq 1200); do [ -f shot.png ] && break; sleep 0.05; done
    mv shot.png "$1"
    step "screenshot $1"
}
shot first.png  # returns once frames are being drawn

# The controls panel starts at x 980; with the C-arm controls above it, the Radioembolization
# header's buttons lie at these centres (measured on a screenshot of the 1280x800 window).
click() {  # x y what
    xdotool mousemove --window "$wid" "$1" "$2"
    sleep 0.3
    xdotool click 1
    step "clicked $3"
    sleep 1.0
}
click 1020 473 "Next hub"
click 1182 496 "Remove from sheath"
click 1112 519 "Insert (the microcatheter)"
click 1112 519 "Insert (the microwire)"
click 1037 588 "Plan activity"
click 1080 611 "Draw the planned activity"
click 1047 680 "Infuse spheres"
sleep 2
click 716 36 "Dose map"
sleep 1
shot dosemap.png

kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
trap - EXIT
wait "$pid"
step "closed"
