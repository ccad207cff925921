#!/usr/bin/env bash
# Builds the fuzz targets of tests/fuzz/ with clang's libFuzzer, AddressSanitizer and UBSan, and runs
# each for a bounded time, seeded from the shipped files and the regression inputs in
# tests/fuzz/corpus/<target>/. The sources a target exercises are compiled here with clang (so the
# fuzzer sees their coverage); the rest of irsim comes from the normal build's static libraries,
# taken from the link line of the target's replay program (tests/fuzz/CMakeLists.txt).
# Usage: tools/fuzz.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
#   (targets: nifti action_log scenario dicom device_library label_table)
# IRSIM_FUZZ_RUNS=N also stops each target after N executions (whichever comes first), for the
# 10^6-execution figures of docs/robustness.md; IRSIM_FUZZ_NICE=N runs the fuzzer at that niceness.
# Exit 77 (CTest: skipped) when clang or its libFuzzer runtime is missing. docs/robustness.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:?usage: tools/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]}" && pwd)"
seconds="${2:-15}"
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(nifti action_log scenario dicom device_library label_table)

clang="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$clang" ]; then
  echo "SKIPPED: clang++ not found; libFuzzer targets need it (apt-get install clang libclang-rt-14-dev)"
  exit 77
fi
out="$build/fuzz"
mkdir -p "$out"
if ! printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' |
    "$clang" -x c++ -fsanitize=fuzzer - -o "$out/probe" 2>/dev/null; then
  echo "SKIPPED: $clang has no libFuzzer runtime (apt-get install libclang-rt-14-dev)"
  exit 77
fi

core=(engine/core/error.cpp engine/core/log.cpp engine/core/paths.cpp engine/core/text.cpp)
declare -A sources=(
  [nifti]="engine/patient/nifti.cpp engine/patient/limits.cpp"
  [action_log]="engine/sim/action.cpp"
  [scenario]="engine/sim/scenario.cpp"
  [dicom]="engine/patient/dicom_stream.cpp engine/patient/dicom.cpp"
  [device_library]="engine/physics/endovascular_devices.cpp"
  [label_table]="engine/patient/labels.cpp"
)
assets="$root/assets/patients/totalseg-example"
declare -A seeds=(
  [nifti]="$assets/example_ct_sm.nii.gz $assets/example_seg.nii.gz"
  [action_log]="$(ls "$root"/scenarios/*.jsonl | tr '\n' ' ')"
  [scenario]="$(ls "$root"/scenarios/*.toml | tr '\n' ' ')"
  [dicom]="$assets/example_ct_dicom"
  [device_library]="$root/assets/devices/endovascular.toml"
  [label_table]="$assets/labels_total.json"
)
# The longest input libFuzzer makes, per target (IRSIM_FUZZ_MAX_LEN=N overrides, 0 lifts it). The
# cost of an execution grows with its input: a shipped DICOM slice is a 157 KB JPEG 2000 frame of
# 512^2 (~300 executions/s), the example CT a 480 KB gzip. The small seeds in tests/fuzz/corpus/
# (seed_*: a 16^2 slice uncompressed and in JPEG 2000, an 8^3 NIfTI plain and gzipped, single
# action lines, scenarios without comments; tools/fuzz-seeds/) reach the same code paths in a few
# KB, so the search stays on inputs of that size. A seed longer than the cap is left out of the run
# (libFuzzer would read only its start, a truncation the corpus already holds); CTest still replays
# every seed whole (tests/fuzz/CMakeLists.txt).
declare -A maxLen=([nifti]=4096 [action_log]=2048 [scenario]=4096 [dicom]=4096 [device_library]=8192 [label_table]=4096)
flags=(-std=c++20 -O1 -g -ffp-contract=off -fno-fast-math -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I"$root/engine" -I/usr/include/gdcm-3.0 -I/usr/include/bullet
       -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 "-DIRSIM_DEFAULT_ROOT=\"$root\"")

status=0
for t in "${targets[@]}"; do
  link="$build/tests/fuzz/CMakeFiles/fuzz_$t.dir/link.txt"
  if [ ! -f "$link" ] || [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
    echo "fuzz_$t: build the replay program first (cmake --build $build --target fuzz_$t)" >&2
    exit 2
  fi
  # The libraries: everything after "-o fuzz_<t>" on the replay program's link line.
  read -r -a words < "$link"
  libs=()
  after=0
  for ((i = 0; i < ${#words[@]}; ++i)); do
    if [ $after -eq 1 ]; then
      w="${words[$i]}"
      case "$w" in
        -*|/*) libs+=("$w") ;;
        *) libs+=("$build/tests/fuzz/$w") ;;
      esac
    elif [ "${words[$i]}" = "-o" ]; then
      after=1
      i=$((i + 1))
    fi
  done
  srcs=("$root/tests/fuzz/fuzz_$t.cpp")
  for s in ${sources[$t]} "${core[@]}"; do srcs+=("$root/$s"); done
  exe="$out/fuzz_$t"
  stale=1
  if [ -x "$exe" ]; then
    stale=0
    for s in "${srcs[@]}" "${libs[@]}"; do
      if [ -f "$s" ] && [ "$s" -nt "$exe" ]; then stale=1; fi
    done
  fi
  if [ $stale -eq 1 ]; then
    echo "building $exe"
    "$clang" "${flags[@]}" "${srcs[@]}" "${libs[@]}" -o "$exe"
  fi
  seedDir="$out/seeds_$t"
  rm -rf "$seedDir"
  mkdir -p "$seedDir" "$out/corpus_$t"
  cap="${IRSIM_FUZZ_MAX_LEN:-${maxLen[$t]}}"
  for f in ${seeds[$t]} "$root/tests/fuzz/corpus/$t"; do
    for g in $( [ -d "$f" ] && ls -d "$f"/* || echo "$f"); do
      if [ "$cap" -eq 0 ] || [ "$(stat -c %s "$g")" -le "$cap" ]; then cp "$g" "$seedDir/"; fi
    done
  done
  echo "fuzz_$t: ${seconds} s, inputs up to $cap bytes ($(ls "$seedDir" | wc -l) seeds)"
  runs=()
  [ -n "${IRSIM_FUZZ_RUNS:-}" ] && runs=(-runs="$IRSIM_FUZZ_RUNS")
  [ "$cap" -gt 0 ] && runs+=(-max_len="$cap")
  if ! (cd "$out" && IRSIM_ROOT="$root" ASAN_OPTIONS=detect_leaks=0 nice -n "${IRSIM_FUZZ_NICE:-0}" "$exe" \
          -max_total_time="$seconds" "${runs[@]}" -timeout=10 \
          -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$out/$t-" "$out/corpus_$t" "$seedDir" \
          > "$out/$t.log" 2>&1); then
    echo "fuzz_$t FOUND A PROBLEM: $(grep -m1 -E 'ERROR|Test unit written' "$out/$t.log" || true)"
    echo "  log: $out/$t.log; add the input it wrote ($out/$t-*) to tests/fuzz/corpus/$t/ with the fix"
    tail -40 "$out/$t.log"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::peak_rss_mb' "$out/$t.log" | sed "s/^/  fuzz_$t /" || true
done
exit $status
