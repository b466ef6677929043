#!/usr/bin/env bash
# guest.sh OUT: runs inside the qemu guest (chroot into the host's root, overlaid).
# Runs the kernel tests of kernel-probe and engine with the JUnit console launcher on
# classpaths the host built, then the sample app end to end. Full logs go to OUT;
# the console gets one line per step. Writes OUT/results.tsv:
#   step  status(pass|fail)  tests  passed  failed  skipped  seconds  note
set -uo pipefail

out="$1"
# shellcheck source=/dev/null
. "$out/plan.env"   # REPO JAVA HELPERS LAUNCHER PROBE_CP ENGINE_CP PROBE_TESTS ENGINE_TESTS APP_JAR STEP_TIMEOUT TIME_SCALE EXCLUDE_TAG
export CI=true
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
cd "$REPO" || exit 2
: >"$out/results.tsv"

say() { echo "rdk-guest: $*"; }
now() { date +%s; }

# virtiofsd may keep only ~20 000 files open; every inode the guest caches pins one.
( while sleep 15; do echo 3 >/proc/sys/vm/drop_caches; done ) &
dropper=$!
trap 'kill $dropper 2>/dev/null' EXIT

say "kernel $(uname -r), $(nproc) cpu, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
bpftool feature probe kernel >"$out/feature-probe.txt" 2>&1
# bpftool cannot probe helpers of tracing programs (tp_btf); raw tracepoints get the
# same tracing helpers.
awk '/eBPF helpers supported for program type raw_tracepoint:/ {on=1; next} /^eBPF helpers/ {on=0} on' \
  "$out/feature-probe.txt" >"$out/tracing-helpers.txt"
for h in bpf_loop bpf_get_current_task_btf bpf_ringbuf_reserve; do
  if grep -qw -- "$h" "$out/tracing-helpers.txt"; then echo "$h yes"; else echo "$h no"; fi
done >"$out/helpers.txt"
say "helpers for raw_tracepoint programs: $(tr '\n' ' ' <"$out/helpers.txt")"

junit() { # name classpath test-classes-dir [bpf-variant]
  local name="$1" cp="$2" dir="$3" variant="${4:-}" start rc report tests failed skipped
  start=$(now)
  say "$name: running the *KernelTest classes"
  # HELPERS: the tests' C helpers, prebuilt for a guest with no compiler (arm64).
  timeout --kill-after=30 "$STEP_TIMEOUT" "$JAVA" -Druntimedetector.test.timeScale="$TIME_SCALE" \
    ${HELPERS:+-Druntimedetector.test.helpers="$HELPERS"} ${variant:+-Druntimedetector.bpf.variant="$variant"} \
    -cp "$LAUNCHER:$cp" org.junit.platform.console.ConsoleLauncher \
    execute --disable-banner --disable-ansi-colors --details=verbose --fail-if-no-tests \
    --scan-classpath "$dir" --include-classname '^.*KernelTest$' \
    ${EXCLUDE_TAG:+--exclude-tag "$EXCLUDE_TAG"} \
    --reports-dir "$out/junit-$name" >"$out/$name.log" 2>&1
  rc=$?
  report="$out/junit-$name/TEST-junit-jupiter.xml"
  tests=0 failed=0 skipped=0
  if [ -f "$report" ]; then
    local head
    head="$(grep -m1 '<testsuite ' "$report")"
    attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$head"; }
    tests="$(attr tests)" skipped="$(attr skipped)"
    failed=$(( $(attr failures) + $(attr errors) ))
  fi
  local note=""
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && note="timed out after ${STEP_TIMEOUT}s"
  local status=pass
  if [ "$rc" -ne 0 ] || [ "${tests:-0}" -eq 0 ] || [ "${skipped:-0}" -ne 0 ]; then status=fail; fi
  if [ "$status" = fail ] && [ -z "$note" ]; then
    # The first failing test and its message, from the XML report when there is one.
    note="$( { [ -f "$report" ] && awk '/<testcase /{match($0, /name="[^"]*"/); t=substr($0, RSTART+6, RLENGTH-7)}
        /<(failure|error) message="/{match($0, /message="[^"]*"/); print t ": " substr($0, RSTART+9, RLENGTH-10); exit}' "$report"; \
      grep -m1 -E 'Exception|Error' "$out/$name.log"; } | head -n1 \
      | sed -e 's/&#10;/ /g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&amp;/\&/g' \
      | tr '\t' ' ' | cut -c1-400)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "${tests:-0}" \
    "$(( ${tests:-0} - ${failed:-0} - ${skipped:-0} ))" "${failed:-0}" "${skipped:-0}" "$(( $(now) - start ))" \
    "$note" >>"$out/results.tsv"
  say "$name: $status (exit $rc, $tests tests, $failed failed, $skipped skipped, $(( $(now) - start )) s)"
}

junit kernel-probe "$PROBE_CP" "$PROBE_TESTS"
junit engine "$ENGINE_CP" "$ENGINE_TESTS"
# A kernel with bpf_loop gets the bpf-loop programs; the bounded loop must work there
# too (the steps *-bounded-loop), as `make test` runs both on the build machine.
if [ "${BOTH_VARIANTS:-1}" = 1 ] && grep -q '^bpf_loop yes' "$out/helpers.txt"; then
  junit kernel-probe-bounded-loop "$PROBE_CP" "$PROBE_TESTS" bounded-loop
  junit engine-bounded-loop "$ENGINE_CP" "$ENGINE_TESTS" bounded-loop
fi

# The sample app end to end: ready, the EXEC and EXIT of a process it was asked to
# follow, and exit status 0 on SIGTERM.
e2e() {
  local start=$(now) ready_within="$STEP_TIMEOUT" app rc=0 note="" id="$$-$RANDOM" child
  local stdout="$out/sample-app.out" stderr="$out/sample-app.err"
  say "sample-app: starting $APP_JAR"
  "$JAVA" -jar "$APP_JAR" --format json --env-prefix RDK_ --env RDK_ID --min-duration 0 \
    >"$stdout" 2>"$stderr" &
  app=$!
  local deadline=$(( $(now) + ready_within ))
  while ! grep -q 'detector ready' "$stderr"; do
    if ! kill -0 $app 2>/dev/null; then wait $app; rc=$?; note="exited $rc before it was ready: $(grep -v '^\s*$' "$stderr" | tail -n1 | cut -c1-300)"; break; fi
    if [ "$(now)" -gt "$deadline" ]; then note="not ready within ${ready_within}s"; break; fi
    sleep 1
  done
  local ready_s=$(( $(now) - start ))
  if [ -z "$note" ]; then
    say "sample-app: ready after ${ready_s}s"
    RDK_ID="$id" /bin/sh -c 'sleep 1; exit 3' &
    child=$!
    wait $child
    deadline=$(( $(now) + 120 ))
    until grep -q "\"type\":\"EXEC\",\"pid\":$child,.*\"RDK_ID\":\"$id\"" "$stdout" \
        && grep -q "\"type\":\"EXIT\",\"pid\":$child,.*\"exitCode\":3" "$stdout"; do
      if [ "$(now)" -gt "$deadline" ]; then note="no EXEC+EXIT (exit code 3) line for pid $child within 120s"; break; fi
      sleep 1
    done
  fi
  if kill -0 $app 2>/dev/null; then
    kill -TERM $app
    local waited=0
    while kill -0 $app 2>/dev/null && [ $waited -lt 120 ]; do sleep 1; waited=$((waited + 1)); done
    if kill -0 $app 2>/dev/null; then
      kill -KILL $app; [ -z "$note" ] && note="still running 120s after SIGTERM"
    fi
    wait $app; rc=$?
    [ -z "$note" ] && [ "$rc" -ne 0 ] && note="exit status $rc after SIGTERM"
  fi
  local status=pass
  [ -n "$note" ] && status=fail
  printf 'sample-app\t%s\t1\t%s\t%s\t0\t%s\t%s\n' "$status" "$([ $status = pass ] && echo 1 || echo 0)" \
    "$([ $status = pass ] && echo 0 || echo 1)" "$(( $(now) - start ))" \
    "${note:-ready after ${ready_s}s, EXEC and EXIT seen, exit 0 on SIGTERM}" >>"$out/results.tsv"
  say "sample-app: $status ${note}"
}
e2e

if grep -q $'\tfail\t' "$out/results.tsv"; then exit 1; fi
exit 0
