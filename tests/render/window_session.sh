# Sourced by the window scripts (window_drag.sh, window_device_lost.sh): `start_window SCENARIO
# ARGS...` runs "$irsim" run SCENARIO --record session.jsonl ARGS... in the current folder (its output
# in irsim.txt) and returns once the window is up, has recorded its first line and has the keyboard
# focus. Sets $pid and $wid; a trap closes the window if the script fails. `step TEXT` logs to
# steps.txt with the wall clock.
step() { echo "$(date +%s.%N) $*" >> steps.txt; }
start_window() {
    local scenario=$1
    shift
    "$irsim" run "$scenario" --record session.jsonl "$@" > irsim.txt 2>&1 &
    pid=$!
    trap 'kill -TERM $pid 2>/dev/null || true' EXIT
    wid=$(timeout 60 xdotool search --sync --name '^irsim - ' | head -n 1)
    step "window $wid"
    for _ in $(seq 1200); do [ -s session.jsonl ] && break; sleep 0.05; done
    xdotool windowfocus --sync "$wid"
}
