#!/usr/bin/env bash
# Section 7 of BENCHMARKS.md, the container footprint: the image's size, its start-to-ready
# time, and the container's memory as the kubelet accounts it, idle and at the peak of the
# worst-case storm. `make bench` runs it last; `make bench-footprint` runs it alone and
# replaces only that section. Needs root (podman, the eBPF programs, drop_caches).
#
# It builds the image exactly as `make image` does (deploy/image/build.sh) and the bench's
# storm driver, then runs io.runtimedetector.deploy.Footprint from deploy's test classes:
# the container is started as the chart's DaemonSet says (deploy's PodmanRun).
# Knobs: FOOTPRINT_ROUNDS (4; the odd ones on a cold page cache), FOOTPRINT_N (20000 processes
# per storm, each with the prefix variable), SKIP_BUILD=1 (reuse the jars and the image).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/BENCHMARKS.md}
ROUNDS=${FOOTPRINT_ROUNDS:-4}
N=${FOOTPRINT_N:-20000}
BUILD=$ROOT/bench/build
WORK=${WORK:-$BUILD/footprint-$(date +%Y%m%d-%H%M%S)}

log() { printf '[footprint %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (podman, eBPF, drop_caches): sudo make bench-footprint"
mkdir -p "$WORK"
cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	log "building the app, deploy's test classes and the image"
	mvn -B -ntp -q package -DskipTests -DskipITs > "$WORK/build.log" 2>&1 || die "the build failed (see $WORK/build.log)"
	deploy/image/build.sh >> "$WORK/build.log" 2>&1 || die "the image does not build (see $WORK/build.log)"
fi
mvn -B -ntp -q -pl deploy -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
	-DskipTests >> "$WORK/build.log" 2>&1 || die "deploy's test classes do not build (see $WORK/build.log)"
make -s -C bench/c OUT="$BUILD" "$BUILD/storm" >> "$WORK/build.log" 2>&1 || die "the storm driver does not build (see $WORK/build.log)"

log "$ROUNDS rounds, storms of $N processes"
java -cp "$ROOT/deploy/target/test-classes:$(cat "$ROOT/deploy/target/test-classpath.txt")" \
	io.runtimedetector.deploy.Footprint "$BUILD/storm" "$WORK/footprint.md" "$ROUNDS" "$N" 2>&1 | tee "$WORK/footprint.log" >&2
[ -s "$WORK/footprint.md" ] || die "no result (see $WORK/footprint.log)"

# Replace section 7 of $OUT, or put it before section 8 or "## Targets" (or at the end).
section=$WORK/footprint.md
if [ ! -f "$OUT" ]; then
	cp "$section" "$OUT"
else
	awk -v section="$section" '
		function put() { while ((getline line < section) > 0) print line; print ""; done = 1 }
		/^## 7\. Container footprint/ { skipping = 1; put(); next }
		skipping && /^## / { skipping = 0 }
		skipping { next }
		(/^## 8\. / || /^## Targets/) && !done { put() }
		{ print }
		END { if (!done) { print ""; put() } }
	' "$OUT" > "$OUT.new"
	mv "$OUT.new" "$OUT"
fi
log "wrote section 7 of $OUT"
