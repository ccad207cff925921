# Sourced by the window scripts that play a session (library_click.sh, author_click.sh): clicks
# "End procedure" in the simulator window $1 (the C-arm panel's button; the debrief opens and the
# session is stored for the trainee), waits until irsim.txt says it is stored, then closes irsim
# ($pid) and waits for it. Needs step() and $pid from the script.
end_procedure_and_close() {
    xdotool windowfocus --sync "$1"
    xdotool mousemove --window "$1" 1129 360
    sleep 0.3
    xdotool click 1
    step "clicked End procedure"
    for _ in $(seq 600); do grep -q "stored session" irsim.txt && break; sleep 0.05; done
    sleep 1
    kill -TERM "$pid"
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    trap - EXIT
    wait "$pid"
    step "closed"
}
