# The two commands of a fresh machine are `make run` and `make test`; both install
# what they need first (scripts/install-deps.sh, idempotent).
MVN       ?= mvn -B -ntp
APP_JAR   := sample-app/target/sample-app.jar
RUN_ARGS  ?= --min-duration 0

.PHONY: deps build image test test-kernels run bench bench-footprint bench-attribution clean manifest

deps:
	@scripts/install-deps.sh

# Builds everything and leaves the runnable app at $(APP_JAR).
build: deps
	$(MVN) -DskipTests -DskipITs package

# The node agent's container images, built here from Debian's packages (nothing pulled
# from a registry), for amd64 and arm64 (one jar carries both JNI libraries): this
# machine's tagged localhost/runtime-detector:dev in podman's storage and saved as
# deploy/target/runtime-detector-image.tar for `docker load`, `ctr images import` or
# `kind load image-archive`; the other architecture's as localhost/runtime-detector:dev-arm64
# (deploy/target/runtime-detector-image-arm64.tar); and the manifest list
# localhost/runtime-detector:dev-multiarch that holds both, saved with them as the OCI
# archive deploy/target/runtime-detector-image-multiarch.tar. Needs root (podman, mmdebstrap).
image: build
	@if [ "$$(id -u)" -ne 0 ]; then echo "make image: podman's storage and mmdebstrap need root; run: sudo make image" >&2; exit 1; fi
	deploy/image/build.sh
	deploy/image/multiarch.sh

# Unit, Stream TestKit and kernel tests (the kernel ones need root; with CI=true a
# skipped kernel test fails the run), then the end-to-end tests of the packaged app and
# of the image, run as the DaemonSet says (deploy/: builds the image as `make image` does).
test: deps
	$(MVN) verify

# The kernel tests of kernel-probe and engine plus the sample app end to end, on
# Debian's 5.10, 6.1 and 6.12 cloud kernels, x86-64 and arm64, booted under qemu (TCG):
# x86-64 against this machine's root filesystem, arm64 under qemu-system-aarch64 against
# an arm64 userland from Debian's packages; writes KERNELS.md. Not part of `make test`:
# needs root, installs qemu-system-x86, qemu-system-arm, mmdebstrap, busybox-static and
# gcc-arm-linux-gnueabihf. KERNELS=6.1, KERNELS=arm64-6.1 or KERNELS=arm64 runs a part;
# scripts/kernels/run.sh lists the other knobs.
test-kernels:
	scripts/kernels/run.sh

# Shows live process events on this terminal; stop with Ctrl-C.
run: build
	@if [ "$$(id -u)" -ne 0 ]; then echo "make run: loading eBPF programs needs root; run: sudo make run" >&2; exit 1; fi
	java -jar $(APP_JAR) $(RUN_ARGS)

# Exec-storm benchmark against bare runs, a C libbpf consumer, forkstat and bpftrace,
# plus the JMH engine benchmark; writes BENCHMARKS.md. Not part of `make test`. Needs
# root, ~25 minutes; knobs (ROUNDS, N, HOLD_N, CHURN_N, ...) are listed in bench/run.sh.
# It builds only what it measures (the engine and its dependencies, bench/java, bench/c),
# so it does not depend on the sample app.
bench: deps
	bench/run.sh

# Only section 7 of BENCHMARKS.md, the image's footprint (size, start to ready, container
# memory idle and in the worst-case storm), which `make bench` also runs last. Needs root.
bench-footprint: deps
	bench/footprint.sh

# Container attribution's cost on the worst-case storm (the app with --containers on and
# off, alternating) and the share of container EXECs attributed without a /proc read
# (podman containers); writes bench/ATTRIBUTION.md. Needs root, podman; ~5 minutes.
bench-attribution: deps
	bench/attribution.sh

# Regenerates deploy/daemonset.yaml, the plain manifest, from the Helm chart
# deploy/chart/runtime-detector with its default values (deploy's ChartTest fails while
# they differ). Helm runs in-process (helm-java), from deploy's test classpath.
manifest: deps
	$(MVN) -q -pl deploy -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt
	java -cp deploy/target/test-classes:$$(cat deploy/target/test-classpath.txt) io.runtimedetector.deploy.ManifestRender

clean:
	$(MVN) -q clean
