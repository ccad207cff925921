#!/usr/bin/env bash
# Remakes docs/images/imaging-modes-dsa-roadmap-ct.png: last-image-hold with the Cobra in the proper
# hepatic artery, three DSA frames of its 12 ml run (filling, full, washing out), the subtracted roadmap
# with the microcatheter in a segment VI branch, and the CT slice. Usage (repository root, built):
#   tools/docs-images/imaging-modes.sh [build/engine/app/irsim]
set -euo pipefail
irsim=${1:-build/engine/app/irsim}
here=$(dirname "$0")
frames=$(mktemp -d)
trap 'rm -rf "$frames"' EXIT
"$irsim" run celiac-angiography --headless --actions "$here/imaging-modes.jsonl" --frames "$frames" --report "$frames/report.json" >/dev/null || true
pick() { ls "$frames" | grep -e "$1" | head -n 1 | sed "s|^|$frames/|"; }
python3 "$here/montage.py" docs/images/imaging-modes-dsa-roadmap-ct.png 3 \
  "$(pick 'fluoro-0088.00s')" "$(pick 'dsa-0091.67s')" "$(pick 'dsa-0094.33s')" \
  "$(pick 'dsa-0096.33s')" "$(pick 'fluoro-0156.00s')" "$(pick 'ct-0158.00s')"
echo "docs/images/imaging-modes-dsa-roadmap-ct.png"
