#!/usr/bin/env bash
# Runs every fuzz target (tests/fuzz/*_fuzz.cc) for a while over a copy of its checked-in corpus and
# prints how many inputs each executed. Fails when a target is missing, crashes, leaks, times out,
# breaks an invariant or a sanitizer reports anything.
#   smoke.sh BIN_DIR [SECONDS_EACH] [WORK_DIR]
# BIN_DIR holds the targets (build-fuzz/fuzz). ctest's fuzz_smoke runs it for 3 s each; `./hosho fuzz`
# for its share of the time, with WORK_DIR kept (new inputs, crash artifacts, one log per target).
# Without WORK_DIR a scratch directory is used, kept only when something failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin_dir=${1:?usage: smoke.sh BIN_DIR [SECONDS_EACH] [WORK_DIR]}
seconds=${2:-3}
work=${3:-}
scratch=0
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/hosho-fuzz.XXXXXX")
  scratch=1
fi
mkdir -p "$work"
# A UBSan report is fatal in these builds already; its stack helps whoever reads the log.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=()
for src in "$here"/*_fuzz.cc; do targets+=("$(basename "$src" .cc)"); done
missing=()
for t in "${targets[@]}"; do [ -x "$bin_dir/$t" ] || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz targets missing in $bin_dir: ${missing[*]}" >&2
  echo "run ./hosho test, which builds the fuzz targets with clang (or ./hosho fuzz)" >&2
  exit 1
fi

failed=()
for t in "${targets[@]}"; do
  dir="$work/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  # libFuzzer adds what it finds to its first corpus directory: a copy, never the checked-in seeds.
  [ -d "$here/corpus/$t" ] && cp -R "$here/corpus/$t/." "$dir/corpus/"
  rc=0
  "$bin_dir/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
  sanitizers='ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:|fuzz invariant broken'
  if [ "$rc" -ne 0 ] || grep -qE "$sanitizers" "$dir/log"; then
    failed+=("$t")
    printf '%-20s FAILED (exit %s) after %s executions; log %s\n' "$t" "$rc" "${execs:-?}" "$dir/log"
    grep -E 'fuzz invariant|terminate called|ERROR: |SUMMARY: |runtime error:|Test unit written' "$dir/log" | head -n 20
    tail -n 40 "$dir/log" | sed 's/^/    /'
  else
    printf '%-20s %12s executions in %s s\n' "$t" "${execs:-?}" "$seconds"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets failed: ${failed[*]} (inputs and logs in $work)" >&2
  exit 1
fi
[ "$scratch" -eq 1 ] && rm -rf "$work"
exit 0
