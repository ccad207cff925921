# Sourced by the window scripts that click through irsim (library_click.sh, author_click.sh,
# library_author_click.sh). Needs step() and $pid from the script.

# A real left click at (x, y) of window $1. The pauses leave a frame to see the hover and one to
# act on the click even when the machine is loaded (a frame of the three panels on lavapipe took
# over 0.3 s under a parallel ctest, and a click on a button not yet hovered was lost).
click() {
    xdotool mousemove --window "$1" "$2" "$3"
    sleep 0.8
    xdotool click 1
    sleep 1
}

# Waits until irsim.txt has a line matching $1 (grep -E), at most $2 seconds (default 60); fails
# the script, naming the line, when it never comes. A cold start under a loaded ctest can take
# longer than any fixed pause.
wait_for_line() {
    local limit=${2:-60}
    for _ in $(seq $((limit * 20))); do grep -qE "$1" irsim.txt && return 0; sleep 0.05; done
    echo "no line matching '$1' in irsim.txt after ${limit} s" >&2
    return 1
}

# Clicks "End procedure" in the simulator window $1 (the C-arm panel's button; the debrief opens and
# the session is stored for the trainee), waits until irsim.txt says it is stored, then closes irsim
# ($pid) and waits for it. With $2, the name of the window that comes back after the debrief (the
# editor), that window is waited for and closed too.
end_procedure_and_close() {
    xdotool windowfocus --sync "$1"
    xdotool mousemove --window "$1" 1129 360
    sleep 0.8
    xdotool click 1
    step "clicked End procedure"
    wait_for_line "stored session" 30 || true  # the checks after the script say what is missing
    sleep 1
    kill -TERM "$pid"
    if [ $# -gt 1 ]; then
        timeout 60 xdotool search --sync --name "$2" > /dev/null
        step "back in $2"
        sleep 1
        kill -TERM "$pid"
    fi
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    trap - EXIT
    wait "$pid"
    step "closed"
}
