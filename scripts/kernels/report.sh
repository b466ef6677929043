#!/usr/bin/env bash
# report.sh KERNELS.md NAME:ARCH...: the tables of what scripts/kernels/run.sh found per
# kernel, one section per architecture (amd64, arm64). Only the sections of the
# architectures named are rewritten, from every NAME given; another architecture's
# section is kept as the file had it, so a run of the arm64 kernels leaves the x86-64
# results in place, and the other way round.
set -euo pipefail
md="$1"; shift
KERNELS_WORK="${KERNELS_WORK:?}"

cell() { # results.tsv step -> "passed/tests" or the status
  awk -F'\t' -v s="$2" '$1 == s { printf "%s %s/%s passed%s", ($2 == "pass" ? "✅" : "❌"), $4, $3, ($6 > 0 ? ", " $6 " skipped" : "") ; found=1 } END { if (!found) printf "not run" }' "$1"
}

qemu_version() { "$1" --version | sed -n 's/.*version \([^ ]*\).*/\1/p'; }

section() { # arch name...
  local arch="$1"; shift
  echo "<!-- section $arch: rewritten by scripts/kernels/report.sh whenever $arch kernels run -->"
  if [ "$arch" = arm64 ]; then
    echo "Written on $(date -u +%Y-%m-%dT%H:%MZ). Each Debian arm64 cloud kernel boots under qemu-system-aarch64"
    echo "$(qemu_version qemu-system-aarch64) (\`-M virt -cpu max,pauth-impdef=on\`) on an $(uname -m) host running $(uname -r). The guest's root is an"
    echo "arm64 userland extracted from Debian bookworm's packages (\`mmdebstrap --variant=extract\`:"
    echo "openjdk-17-jre-headless, bash, coreutils, util-linux, bpftool, busybox-static), overlaid with a"
    echo "tmpfs; the build's tree and the Maven repository are bound into it read-only from the host, and"
    echo "the tests' C helpers are cross-built on the host (\`rd_testproc\` for aarch64, \`rd_compat32\` for"
    echo "AArch32). So the jar under test is the one \`make build\` makes, with both JNI libraries."
    local excluded
    excluded="$(for n in "$@"; do sed -n 's/^EXCLUDE_TAG=\(.\+\)$/\1/p' "$KERNELS_WORK/out/$n/plan.env" 2>/dev/null; done | sort -u)"
    if [ -n "$excluded" ]; then
      echo
      echo "The JVM under aarch64 TCG is too slow for the ring-buffer volume tests (10 000 processes"
      echo "each, 2 to 5 minutes apiece), so these guests leave out the tests tagged \`$excluded\`: three of"
      echo "RawEventSourceKernelTest (\`ARM64_FULL=1\` runs them too). Those test the ring buffer's capacity and the reader's"
      echo "draining, none of the architecture-specific code. What runs covers every event type (EXEC,"
      echo "FORK, FILE_OPEN, EXIT), the environment prefix after 2 000 variables, the minimum duration"
      echo "(engine), file opens (sys_exit: the arm64-specific program) and AArch32 ones (Compat32KernelTest),"
      echo "tracked pids, and, with the sample app, SIGTERM."
    fi
  else
    echo "Written on $(date -u +%Y-%m-%dT%H:%MZ). Each Debian cloud kernel boots under qemu-system-x86_64"
    echo "$(qemu_version qemu-system-x86_64) (\`-cpu max,-cx16\`) on a $(uname -r) host, with the host's root filesystem"
    echo "shared read-only over virtiofs."
  fi
  echo
  echo "| kernel | package | variant | \`bpf_loop\` | \`bpf_get_current_task_btf\` | kernel-probe | engine | sample app | wall time | result |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  local name out res pkg release variant wall result
  for name in "$@"; do
    out="$KERNELS_WORK/out/$name"
    res="$out/results.tsv"
    [ -f "$res" ] || : >"$res"
    pkg="$(cat "$KERNELS_WORK/k/$name/.package" 2>/dev/null || echo '?')"
    release="$(sed -n 's/^rdk-guest: kernel \([^ ,]*\).*/\1/p' "$out/console.log" 2>/dev/null | head -n1)"
    # What the sample app logs about the program variant the probe picked.
    variant="$(grep -hoiE 'variant[ =:"]+[A-Za-z0-9_.-]+' "$out/sample-app.err" 2>/dev/null | head -n1 || true)"
    helper() { awk -v h="$1" '$1 == h { print $2 }' "$out/helpers.txt" 2>/dev/null; }
    wall="$(cat "$out/wall-seconds" 2>/dev/null || echo '?') s"
    if grep -q $'\tfail\t' "$res" || [ ! -s "$res" ]; then result="❌ fail"; else result="✅ pass"; fi
    echo "| ${release:-$name} | \`$pkg\` | ${variant:-not logged} | $(helper bpf_loop) | $(helper bpf_get_current_task_btf) | $(cell "$res" kernel-probe) | $(cell "$res" engine) | $(cell "$res" sample-app) | $wall | $result |"
    if grep -q $'^kernel-probe-bounded-loop\t' "$res"; then
      echo "| ${release:-$name} | (same boot) | bounded-loop (forced) | | | $(cell "$res" kernel-probe-bounded-loop) | $(cell "$res" engine-bounded-loop) | — | | |"
    fi
  done
  echo
  for name in "$@"; do
    res="$KERNELS_WORK/out/$name/results.tsv"
    if grep -q $'\tfail\t' "$res" 2>/dev/null || [ ! -s "$res" ]; then
      echo "### $name: what failed"
      echo
      awk -F'\t' '$2 == "fail" { printf "- **%s** (%s s): %s\n", $1, $7, ($8 == "" ? "see the logs" : $8) }' "$res"
      [ -s "$res" ] || echo "- no result at all (see the console log)"
      echo
    fi
  done
  echo "<!-- end $arch -->"
}

kept() { # arch: the section as the file has it now, if it has one
  [ -f "$md" ] && awk -v a="$1" '$0 ~ "^<!-- section " a ":" {on=1} on {print} $0 == "<!-- end " a " -->" {on=0}' "$md"
  return 0
}

declare -A names_of
for arg in "$@"; do
  names_of[${arg#*:}]+="${arg%%:*} "
done

new="$md.tmp"
{
  echo "# Kernels"
  echo
  echo "\`make test-kernels\` (scripts/kernels/run.sh) boots Debian's cloud kernels, x86-64 and arm64,"
  echo "under qemu with TCG (one vCPU; nested KVM is not available). In each guest: the \`*KernelTest\`"
  echo "classes of kernel-probe and engine (JUnit console launcher, \`CI=true\`, so a skipped test fails)"
  echo "with the program variant the probe picks and, on a kernel that has \`bpf_loop\`, once more with"
  echo "the bounded-loop programs forced (the second row of such a kernel); then the sample app end to"
  echo "end (\`detector ready\`, the JSON EXEC and EXIT of a spawned process, exit 0 on SIGTERM)."
  echo "Wall time is boot to power-off under TCG: a pass/fail check, not a benchmark."
  echo "The helper columns are what \`bpftool feature probe\` finds for raw_tracepoint programs in the"
  echo "guest. Run it all with \`sudo make test-kernels\`, one kernel with \`sudo KERNELS=6.1 make test-kernels\`,"
  echo "one architecture with \`sudo KERNELS=arm64 make test-kernels\`."
  for arch in amd64 arm64; do
    echo
    if [ "$arch" = amd64 ]; then echo "## x86-64"; else echo "## arm64"; fi
    echo
    if [ -n "${names_of[$arch]:-}" ]; then
      # shellcheck disable=SC2086
      section "$arch" ${names_of[$arch]}
    elif [ -n "$(kept "$arch")" ]; then
      kept "$arch"
    else
      echo "<!-- section $arch: rewritten by scripts/kernels/report.sh whenever $arch kernels run -->"
      echo "Not run yet."
      echo "<!-- end $arch -->"
    fi
  done
  echo
  echo "Logs of the last run: \`.build/kernels/out/<kernel>/\` (console.log, kernel-probe.log, engine.log,"
  echo "sample-app.err, junit-*/ XML reports, feature-probe.txt)."
} >"$new"
mv "$new" "$md"
