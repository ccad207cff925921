#!/usr/bin/env bash
# An instructor writes a vertebroplasty scenario on the real CT in the authoring mode with real X
# input (xdotool): opens `irsim author` on the CT and its labels starting at T12, clicks L1 on the
# sagittal slice to make it the target, saves, plays it, ends the procedure in the simulator, and
# the session is stored (scored) in the trainee's records. Run under the X server xvfb-run starts
# (window_test.cpp does). Usage: author_click.sh IRSIM OUTDIR. Leaves in OUTDIR: l1.toml,
# r.sqlite, irsim.txt, steps.txt.
set -euo pipefail
source "$(dirname "$0")/clicks.sh"
irsim=$1
assets=$(realpath "$(dirname "$0")/../../assets/patients/totalseg-example")
cd "$2"
rm -f r.sqlite steps.txt irsim.txt l1.toml

"$irsim" author l1.toml --procedure vertebroplasty --target vertebrae_T12 --ct "$assets/example_ct_sm.nii.gz" \
    --labels "$assets/example_seg.nii.gz" --trainee anna --records "sqlite:$PWD/r.sqlite" --once > irsim.txt 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
step() { echo "$(date +%s.%N) $*" >> steps.txt; }

wid=$(timeout 60 xdotool search --sync --name '^irsim - author a scenario' | head -n 1)
step "author $wid"
wait_for_line '^author: opened'
sleep 3  # the slices and the first check are drawn
xdotool windowfocus --sync "$wid"
# L1's body on the sagittal slice through T12 (anterior on the left, the head up): the body under
# T12's, at about (655, 205) of the window.
click "$wid" 655 205
step "clicked L1"
click "$wid" 913 53   # Save
step "clicked Save"
click "$wid" 957 53   # Play
step "clicked Play"
sim=$(timeout 120 xdotool search --sync --name '^irsim - Vertebroplasty' | head -n 1)
step "simulator $sim"
sleep 5
end_procedure_and_close "$sim"  # the debrief scores the session and it is stored
