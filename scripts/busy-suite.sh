#!/usr/bin/env bash
# busy-suite.sh — the full test suite on a busy machine, as CI sees it on a loaded 2-core runner.
#
#   scripts/busy-suite.sh [N] [-- extra Maven arguments]      e.g.  scripts/busy-suite.sh 5 -- -o
#
# Clones HEAD (committed work only) into a fresh temporary directory for every run, starts two CPU-burning loops
# alongside, runs `mvn -B verify` N times in a row (default 5), prints each run's result, duration and load average,
# then a summary line; exits non-zero if any run failed. The burners are bounded (`timeout`) and killed by pid when the
# script ends, however it ends. Not part of .ci/run.
#
# Kept afterwards, in $BUSY_SUITE_LOGS (default: a new haven-busy-suite-* directory under ${TMPDIR:-/tmp}):
#   run-<i>.log          the Maven output of run i
#   redis-logs/run-<i>/  every Redis/Sentinel log of run i (HAVEN_TESTKIT_KEEP_LOGS): what the Sentinels decided
# The clones are deleted. Settings: RUN_TIMEOUT (seconds per run, default 3600), BUSY_SUITE_LOGS.
# Nothing is installed into ~/.m2 (verify, not install).
set -euo pipefail

n=5
if [[ $# -gt 0 && $1 != "--" ]]; then
  n=$1
  shift
fi
if [[ $# -gt 0 && $1 == "--" ]]; then
  shift
fi
extra=("$@")
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
  echo "busy-suite: N must be a positive number of runs: was '$n'" >&2
  exit 2
fi
run_timeout=${RUN_TIMEOUT:-3600}

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
sha=$(git -C "$root" rev-parse HEAD)
if [[ -n $(git -C "$root" status --porcelain --untracked-files=no) ]]; then
  echo "busy-suite: uncommitted changes in $root are not tested (a clean clone of HEAD $sha is)" >&2
fi
logs=${BUSY_SUITE_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/haven-busy-suite-XXXXXX")}
mkdir -p "$logs"
work=$(mktemp -d "${TMPDIR:-/tmp}/haven-busy-clone-XXXXXX")

burners=()
mvn_pid=
cleanup() {
  if [[ -n $mvn_pid ]]; then
    kill "$mvn_pid" 2>/dev/null || true # timeout passes it on to Maven, whose forked test JVMs close their servers
    wait "$mvn_pid" 2>/dev/null || true
  fi
  for pid in "${burners[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two busy loops for at most as long as every run may take (timeout ends them even if this script is killed -9).
for _ in 1 2; do
  timeout $((n * run_timeout + 60)) bash -c 'while :; do :; done' &
  burners+=($!)
done

echo "busy-suite: $n run(s) of 'mvn -B verify ${extra[*]}' on a clean clone of $sha, 2 CPU burners (pids ${burners[*]}), logs in $logs"
failed=0
failed_runs=()
durations=()
for ((i = 1; i <= n; i++)); do
  clone="$work/run-$i"
  git clone --quiet --no-checkout "$root" "$clone"
  git -C "$clone" checkout --quiet --detach "$sha"
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s)
  status=0
  (cd "$clone" && HAVEN_TESTKIT_KEEP_LOGS="$logs/redis-logs/run-$i" exec timeout "$run_timeout" mvn -B verify "${extra[@]}") \
    > "$logs/run-$i.log" 2>&1 &
  mvn_pid=$!
  wait "$mvn_pid" || status=$?
  mvn_pid=
  secs=$(($(date +%s) - start))
  durations+=("$secs")
  load_after=$(cut -d' ' -f1 /proc/loadavg)
  if [[ $status -eq 0 ]]; then
    result=PASS
  else
    result="FAIL (exit $status)"
    failed=$((failed + 1))
    failed_runs+=("$i")
  fi
  printf 'busy-suite: run %d/%d %s in %dm%02ds (load %s -> %s)\n' "$i" "$n" "$result" $((secs / 60)) $((secs % 60)) \
    "$load_before" "$load_after"
  if [[ $status -ne 0 ]]; then
    { grep -E '\[ERROR\] (Tests run:|  [A-Za-z].*(Test|IT)\.|Failures:|Errors:)' "$logs/run-$i.log" \
      || grep -E '\[ERROR\]' "$logs/run-$i.log"; } | head -15 | sed 's/^/    /' || true
  fi
  rm -rf "$clone"
done

total=0
for s in "${durations[@]}"; do
  total=$((total + s))
done
printf 'busy-suite: %d of %d runs passed, %d failed%s; mean %dm%02ds per run; logs in %s\n' $((n - failed)) "$n" "$failed" \
  "$([[ $failed -gt 0 ]] && echo " (run ${failed_runs[*]})")" $((total / n / 60)) $((total / n % 60)) "$logs"
[[ $failed -eq 0 ]]
