#!/usr/bin/env bash
# The window losing its GPU in the middle of a session (IRSIM_VK_FAULT, render/context.h): the
# trainee takes fluoroscopy and turns the C-arm with real X key events (xdotool), then SIGUSR2 makes
# the next queue submission fail as IRSIM_VK_FAULT names (the caller exports it). Run under
# xvfb-run (window_test.cpp does). Usage: window_device_lost.sh IRSIM OUTDIR
# Leaves in OUTDIR: session.jsonl, report.json, irsim.txt (the program's output, with the message),
# status.txt (its exit status) and steps.txt.
set -euo pipefail
irsim=$1
cd "$2"
rm -f session.jsonl report.json status.txt steps.txt
: "${IRSIM_VK_FAULT:?export IRSIM_VK_FAULT (device_lost, out_of_device_memory or out_of_host_memory)}"

. "$(dirname "${BASH_SOURCE[0]}")/window_session.sh"
start_window carm-positioning-l1 --report report.json
xdotool mousemove --window "$wid" 400 300
sleep 1
step "space down"
xdotool keydown space
sleep 1.5
xdotool keyup space
step "space up"
xdotool keydown Right
sleep 0.5
xdotool keyup Right
step "right arrow"
sleep 0.5
kill -USR2 "$pid"
step "SIGUSR2: $IRSIM_VK_FAULT"
status=0
for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
trap - EXIT
wait "$pid" || status=$?
echo "$status" > status.txt
step "exited $status"
