#!/usr/bin/env bash
# Drives the endovascular hand with the mouse on the fluoroscopy monitor, through real X events
# (xdotool): a drag 80 px up (a push), then one 60 px to the right (a twist). Run under the X server
# xvfb-run starts (window_test.cpp does). Usage: window_drag.sh IRSIM OUTDIR
# Leaves in OUTDIR: session.jsonl (the actions the window recorded), irsim.txt, steps.txt.
set -euo pipefail
irsim=$1
cd "$2"
rm -f session.jsonl steps.txt ./*.png

. "$(dirname "${BASH_SOURCE[0]}")/window_session.sh"
start_window celiac-angiography --screenshot shot.png
# A first screenshot returns once frames are being drawn.
kill -USR1 "$pid"
for _ in $(seq 600); do [ -f shot.png ] && break; sleep 0.05; done
step "drawing"

# The monitor's image spans about x 8-580, y 44-616: drags in its middle.
drag() {  # x0 y0 x1 y1
    xdotool mousemove --window "$wid" "$1" "$2"
    sleep 0.3
    xdotool mousedown 1
    for i in 1 2 3 4; do
        sleep 0.1
        xdotool mousemove --window "$wid" $(( $1 + ($3 - $1) * i / 4 )) $(( $2 + ($4 - $2) * i / 4 ))
    done
    sleep 0.3
    xdotool mouseup 1
    step "dragged $*"
    sleep 0.5
}
drag 294 400 294 320
drag 250 330 310 330

kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
trap - EXIT
wait "$pid"
step "closed"
