#!/usr/bin/env bash
# Drives the irsim window with real X input: key and mouse events through the X server's XTEST
# extension (xdotool), as a keyboard and a mouse send them. Run it under the X server that
# xvfb-run starts (window_test.cpp does). Usage: window_input.sh IRSIM OUTDIR
# Leaves in OUTDIR: session.jsonl (the actions the window recorded), report.json (written when
# SIGTERM closes the window), before-help.png, help.png, after-help.png (SIGUSR1 screenshots),
# irsim.txt (the program's output) and steps.txt (what was done, by the wall clock).
set -euo pipefail
irsim=$1
cd "$2"
rm -f session.jsonl report.json ./*.png steps.txt

"$irsim" run carm-positioning-l1 --record session.jsonl --report report.json --screenshot shot.png \
    > irsim.txt 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
step() { echo "$(date +%s.%N) $*" >> steps.txt; }

# The next frame as a PNG (the window writes it whole, then renames it).
shot() {
    kill -USR1 "$pid"
    for _ in $(seq 600); do [ -f shot.png ] && break; sleep 0.05; done
    mv shot.png "$1"
    step "screenshot $1"
}

wid=$(timeout 60 xdotool search --sync --name '^irsim - ' | head -n 1)
step "window $wid"
# The session log appears just before the first frame, once the window handles its signals.
for _ in $(seq 1200); do [ -s session.jsonl ] && break; sleep 0.05; done
# There is no window manager: give the window the keyboard focus and put the pointer on it.
xdotool windowfocus --sync "$wid"
xdotool mousemove --window "$wid" 400 300
shot first.png  # returns once frames are being drawn (the patient is built)

# The fluoroscopy pedal: Space held for 2 s.
step "space down"
xdotool keydown space
sleep 2
xdotool keyup space
step "space up"
# The last image held is refined to full quality a band of rows a frame: let it finish, so the
# screenshots around F1 differ by the help alone.
sleep 2

# F1 twice, each a quick tap (12 ms down), with time between for the window to draw.
shot before-help.png
xdotool key F1
step "F1"
sleep 0.7
shot help.png
xdotool key F1
step "F1"
sleep 0.7
shot after-help.png

# A drag on the LAO slider, the first control of the C-arm panel: that panel starts at x 980 (the
# views take 1280 - 300 px); in ImGui 1.86's default style its title bar is 19 px (13 px font and
# 3 px frame padding twice) and the window padding 8 px, so the slider's frame spans y 27-46 and
# x 988-1183 (0.65 of the panel's width): -120 deg at the left end, +120 at the right. Press at
# its middle (0 deg) and drag 60 px right: about +74 deg.
xdotool mousemove --window "$wid" 1085 37
xdotool mousedown 1
step "mouse down on the LAO slider"
for x in 1095 1105 1115 1125 1135 1145; do
    sleep 0.1
    xdotool mousemove --window "$wid" "$x" 37
done
sleep 0.2
xdotool mouseup 1
step "mouse up"
sleep 0.5

# Close the window as its close button would: the session ends and the report is written.
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
trap - EXIT
wait "$pid"
step "closed"
