#!/usr/bin/env bash
# report.sh KERNELS.md NAME...: the table of what scripts/kernels/run.sh found per kernel.
set -euo pipefail
md="$1"; shift
KERNELS_WORK="${KERNELS_WORK:?}"

cell() { # results.tsv step -> "passed/tests" or the status
  awk -F'\t' -v s="$2" '$1 == s { printf "%s %s/%s passed%s", ($2 == "pass" ? "✅" : "❌"), $4, $3, ($6 > 0 ? ", " $6 " skipped" : "") ; found=1 } END { if (!found) printf "not run" }' "$1"
}

{
  echo "# Kernels"
  echo
  echo "Written by \`make test-kernels\` (scripts/kernels/run.sh) on $(date -u +%Y-%m-%dT%H:%MZ)."
  echo "Each Debian cloud kernel boots under qemu $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') (TCG, one vCPU,"
  echo "\`-cpu max,-cx16\`) on a $(uname -r) host, with the host's root filesystem shared read-only"
  echo "over virtiofs. In each guest: the \`*KernelTest\` classes of kernel-probe and engine (JUnit"
  echo "console launcher, \`CI=true\`, so a skipped test fails), then the sample app end to end"
  echo "(\`detector ready\`, the JSON EXEC and EXIT of a spawned process, exit 0 on SIGTERM)."
  echo "Wall time is boot to power-off under TCG: a pass/fail check, not a benchmark."
  echo "The helper columns are what \`bpftool feature probe\` finds for raw_tracepoint programs in the"
  echo "guest. Run it all with \`sudo make test-kernels\`, one kernel with \`sudo KERNELS=6.1 make test-kernels\`."
  echo
  echo "| kernel | package | variant | \`bpf_loop\` | \`bpf_get_current_task_btf\` | kernel-probe | engine | sample app | wall time | result |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for name in "$@"; do
    out="$KERNELS_WORK/out/$name"
    res="$out/results.tsv"
    [ -f "$res" ] || : >"$res"
    pkg="$(cat "$KERNELS_WORK/k/$name/.package" 2>/dev/null || echo '?')"
    release="$(sed -n 's/^rdk-guest: kernel \([^ ,]*\).*/\1/p' "$out/console.log" 2>/dev/null | head -n1)"
    # What the sample app logs about the program variant it loaded, once it logs one;
    # there is a single program today.
    variant="$(grep -hoiE 'variant[ =:"]+[A-Za-z0-9_.-]+' "$out/sample-app.err" 2>/dev/null | head -n1 || true)"
    helper() { awk -v h="$1" '$1 == h { print $2 }' "$out/helpers.txt" 2>/dev/null; }
    wall="$(cat "$out/wall-seconds" 2>/dev/null || echo '?') s"
    if grep -q $'\tfail\t' "$res" || [ ! -s "$res" ]; then result="❌ fail"; else result="✅ pass"; fi
    echo "| ${release:-$name} | \`$pkg\` | ${variant:-not logged} | $(helper bpf_loop) | $(helper bpf_get_current_task_btf) | $(cell "$res" kernel-probe) | $(cell "$res" engine) | $(cell "$res" sample-app) | $wall | $result |"
  done
  echo
  for name in "$@"; do
    res="$KERNELS_WORK/out/$name/results.tsv"
    if grep -q $'\tfail\t' "$res" 2>/dev/null || [ ! -s "$res" ]; then
      echo "## $name: what failed"
      echo
      awk -F'\t' '$2 == "fail" { printf "- **%s** (%s s): %s\n", $1, $7, ($8 == "" ? "see the logs" : $8) }' "$res"
      [ -s "$res" ] || echo "- no result at all (see the console log)"
      echo
    fi
  done
  echo "Logs of the last run: \`.build/kernels/out/<kernel>/\` (console.log, kernel-probe.log, engine.log,"
  echo "sample-app.err, junit-*/ XML reports, feature-probe.txt)."
} >"$md"
