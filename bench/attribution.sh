#!/usr/bin/env bash
# make bench-attribution (needs root): what container attribution costs and how often it
# needs /proc, measured on the packaged sample app, built in the reactor (nothing is
# installed into ~/.m2):
#   1. the worst-case exec storm (N execs, P at once, the prefix variable on every one),
#      against the app with --containers on and off, alternating round by round: the
#      app's CPU per 1000 events and the storm's exec rate;
#   2. execs in podman containers (runc, cgroupfs, K containers of M execs each, each
#      container's cgroup made by the runtime as it is in production): the share of those
#      EXECs attributed from the kernel's cgroup ids alone, without a /proc read.
# Writes $OUT (bench/ATTRIBUTION.md); raw logs stay in $WORK.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}          # alternating on/off rounds
N=${N:-20000}                # execs per storm
P=${P:-2}                    # storm parallelism
WARMUP=${WARMUP:-2}          # unmeasured storms per app JVM (JIT)
K=${K:-10}                   # podman containers
M=${M:-200}                  # execs in each
PORT=${PORT:-19471}
SKIP_BUILD=${SKIP_BUILD:-0}  # 1: use the jar and storm already built
OUT=${OUT:-$ROOT/bench/ATTRIBUTION.md}
WORK=${WORK:-$ROOT/bench/build/attribution-$(date +%Y%m%d-%H%M%S)}
PREFIX=RDBENCH_
JAR=$ROOT/sample-app/target/sample-app.jar
STORM=$ROOT/bench/build/storm
IMAGE=localhost/rd-attr-bench-busybox:latest
PODMAN=(podman --cgroup-manager=cgroupfs --events-backend=file)

log() { printf '[bench-attribution %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, podman): sudo make bench-attribution"
mkdir -p "$WORK"

APP_PID=
PARENT=
cleanup() {
	set +e
	[ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null
	"${PODMAN[@]}" rm --force --time=0 $(seq -f 'rd-attr-bench-%g' 1 "$K") >/dev/null 2>&1
	"${PODMAN[@]}" rmi --force "$IMAGE" >/dev/null 2>&1
	if [ -n "$PARENT" ]; then
		for h in /sys/fs/cgroup/*; do
			[ -d "$h$PARENT" ] && find "$h$PARENT" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	fi
}
trap cleanup EXIT

if [ "$SKIP_BUILD" != 1 ]; then
	log "building the app in the reactor and bench/c"
	(cd "$ROOT" && mvn -B -ntp -q -pl sample-app -am package -DskipTests -DskipITs) > "$WORK/build.log" 2>&1 ||
		die "the app does not build (see $WORK/build.log)"
	make -s -C "$ROOT/bench/c" OUT="$ROOT/bench/build" "$STORM" >> "$WORK/build.log" 2>&1 || die "bench/c does not build"
fi
[ -f "$JAR" ] && [ -x "$STORM" ] || die "$JAR or $STORM is missing (run without SKIP_BUILD=1)"

cpu_ticks() { local s; s=$(cat "/proc/$1/stat"); s=${s##*) }; awk '{print $12 + $13}' <<< "$s"; }
metric() { # NAME{LABELS} → value (0 when absent)
	curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" 'index($0, m) == 1 {print $NF; found=1} END {if (!found) print 0}' | head -n1
}

# app_start on|off: the app, JSON to /dev/null, min duration 0, the bench prefix
app_start() {
	java -jar "$JAR" --format json --output /dev/null --min-duration 0 --env-prefix "$PREFIX" \
		--containers "$1" --cri-socket none --metrics-port "$PORT" --metrics-address 127.0.0.1 \
		> "$WORK/app-$1.out" 2> "$WORK/app-$1.err" &
	APP_PID=$!
	for _ in $(seq 600); do
		grep -q "detector ready" "$WORK/app-$1.err" && return 0
		kill -0 "$APP_PID" 2>/dev/null || die "the app exited: $(tail -n3 "$WORK/app-$1.err")"
		sleep 0.1
	done
	die "the app was not ready within 60 s"
}
app_stop() { kill "$APP_PID"; wait "$APP_PID" || true; APP_PID=; }

# drain EXITS: until the app reported EXITS exits in all, or 3 s without progress
drain() {
	local want=$1 last=-1 now quiet=0
	while :; do
		now=$(metric 'runtime_detector_events_total{type="exit"')
		now=${now%.*}
		[ "$now" -ge "$want" ] && return 0
		if [ "$now" = "$last" ]; then quiet=$((quiet + 1)); [ $quiet -ge 30 ] && return 0; else quiet=0; fi
		last=$now
		sleep 0.1
	done
}

# ---------------------------------------------------------------- 1. the worst-case storm

TSV=$WORK/storms.tsv
: > "$TSV"
for round in $(seq "$ROUNDS"); do
	for mode in on off; do
		app_start "$mode"
		done_exits=0
		for w in $(seq "$WARMUP"); do
			"$STORM" -n "$N" -p "$P" --prefix-every 1 --tag "w$round$mode$w" > /dev/null 2>> "$WORK/storm.err"
			done_exits=$((done_exits + N))
			drain "$done_exits"
		done
		c0=$(cpu_ticks "$APP_PID")
		line=$("$STORM" -n "$N" -p "$P" --prefix-every 1 --tag "m$round$mode" 2>> "$WORK/storm.err")
		drain $((done_exits + N))
		c1=$(cpu_ticks "$APP_PID")
		events=$(( $(metric 'runtime_detector_events_total{type="exec"' | cut -d. -f1) + $(metric 'runtime_detector_events_total{type="exit"' | cut -d. -f1) ))
		rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' <<< "$line")
		# CPU of the measured storm only; events of all storms so far: the measured one's share is N*2.
		printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$rate" "$(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))" "$events" >> "$TSV"
		log "round $round containers=$mode: rate $rate/s, cpu $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) )) ms for $((2 * N)) events"
		app_stop
	done
done

# ---------------------------------------------------------------- 2. execs in containers

log "importing a busybox image and starting $K containers of $M execs each"
tmp=$(mktemp -d); mkdir -p "$tmp/bin"; cp /bin/busybox "$tmp/bin/"; tar -C "$tmp" -cf "$tmp/rootfs.tar" bin
"${PODMAN[@]}" import --quiet "$tmp/rootfs.tar" "$IMAGE" > /dev/null; rm -rf "$tmp"
PARENT=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)/rd-attr-bench
[ "$PARENT" = "/rd-attr-bench" ] || true
app_start on
for i in $(seq "$K"); do
	"${PODMAN[@]}" run -d --name "rd-attr-bench-$i" --network=none --runtime=runc --ulimit=nofile=1024:1024 \
		--ulimit=nproc=4096:4096 --cgroup-parent="$PARENT" --env "${PREFIX}ID=c$i" "$IMAGE" \
		/bin/busybox sh -c "i=0; while [ \$i -lt $M ]; do /bin/busybox true; i=\$((i + 1)); done" > /dev/null
done
for i in $(seq "$K"); do "${PODMAN[@]}" wait "rd-attr-bench-$i" > /dev/null; done
drain $(( K * (M + 1) ))
unified=$(metric 'runtime_detector_container_attributed_total{by="unified"' | cut -d. -f1)
v1=$(metric 'runtime_detector_container_attributed_total{by="v1"' | cut -d. -f1)
proc=$(metric 'runtime_detector_container_attributed_total{by="proc"' | cut -d. -f1)
unknown=$(metric 'runtime_detector_container_unknown_cgroup_total' | cut -d. -f1)
execs=$(metric 'runtime_detector_events_total{type="exec"' | cut -d. -f1)
app_stop
log "container images: unified=$unified v1=$v1 proc=$proc unknown=$unknown ($execs EXEC events)"

# ---------------------------------------------------------------- report

summary() { awk -F'\t' -v m="$1" '$2 == m {r += $3; c += $4; n++} END {printf "%.0f\t%.0f", r / n, c / n}' "$TSV"; }
median() { awk -F'\t' -v m="$1" '$2 == m {print $4}' "$TSV" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
read -r rate_on cpu_on <<< "$(summary on)"
read -r rate_off cpu_off <<< "$(summary off)"
med_on=$(median on)
med_off=$(median off)
attributed=$((unified + v1 + proc))
{
	echo "# Container attribution: cost and /proc reads"
	echo
	echo "Written by \`make bench-attribution\` (bench/attribution.sh) on $(uname -r), $(nproc) cores, $(date -u +%Y-%m-%d)."
	echo "The packaged app, \`--format json --output /dev/null --min-duration 0 --env-prefix $PREFIX --cri-socket none\`."
	echo
	echo "## 1. The worst-case storm, attribution on and off"
	echo
	echo "$N execs of /bin/true, $P at once, the prefix variable on every one (so every one is an EXEC and"
	echo "an EXIT, attributed, as host processes, to no container); $ROUNDS rounds alternating on and off, each"
	echo "in a fresh JVM after $WARMUP unmeasured storms."
	echo
	echo "| --containers | exec rate (/s, mean) | app CPU per storm (ms, mean) | (ms, median) | app CPU per 1000 events (ms, median) |"
	echo "|---|---|---|---|---|"
	echo "| on | $rate_on | $cpu_on | $med_on | $(awk -v c="$med_on" -v n="$N" 'BEGIN {printf "%.1f", c * 1000 / (2 * n)}') |"
	echo "| off | $rate_off | $cpu_off | $med_off | $(awk -v c="$med_off" -v n="$N" 'BEGIN {printf "%.1f", c * 1000 / (2 * n)}') |"
	echo
	echo "CPU is sampled with the clock tick ($(getconf CLK_TCK) Hz) from /proc/PID/stat; on a shared machine"
	echo "(load average $(cut -d' ' -f1-3 /proc/loadavg) at the end) the rounds of one mode spread widely: compare"
	echo "the spread of the rounds below with the difference of the means."
	echo
	echo "Rounds (round, mode, rate, CPU ms):"
	echo
	echo '```'
	cut -f1-4 "$TSV"
	echo '```'
	echo
	echo "## 2. EXECs in containers"
	echo
	echo "$K podman containers (runc, cgroupfs), each running $M execs of busybox \`true\` from a shell loop:"
	echo "$execs EXEC events. Attribution is counted per process image, the EXEC's and the FORK's before it"
	echo "(the shell forks, the child execs), so each exec in a container is two."
	echo
	echo "| attributed from | process images |"
	echo "|---|---|"
	echo "| the kernel's unified cgroup id | $unified |"
	echo "| the kernel's v1 memory cgroup id | $v1 |"
	echo "| /proc/PID/cgroup (cache behind the exec) | $proc |"
	echo "| not attributed (ids unknown) | $unknown |"
	echo
	echo "Share attributed without a /proc read (kernel ids and the cgroup cache alone): $(awk -v a="$((unified + v1))" -v t="$attributed" 'BEGIN {printf "%.2f %%", t ? 100 * a / t : 0}') ($((unified + v1)) of $attributed)."
} > "$OUT"
log "wrote $OUT"
