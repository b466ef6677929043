package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ExitInfo;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules for one process, from the event that made it known until its end, without
 * any actor: whether it is reported (filters on the exec'd path, the resolved executable
 * and the environment prefix), holding its events until it has lived the minimum
 * duration, its images (EXEC, re-exec, FORK as the parent was at the fork, found by the
 * scan), and which image its EXIT describes.
 *
 * <p>Whatever takes time is asked of the {@link Host}: a /proc fallback read, the
 * parent's image, a timer. Until the answer comes every input is held and then handled
 * in the order it came, so the process' events keep their order. Not thread-safe: its
 * host calls it from one thread at a time.
 *
 * <p>Its host changes over its life: an actor while it waits on something (a timer, a
 * /proc read, its parent's image), the supervisor while it is {@link #idle()} (see
 * {@link ProcessSupervisor}). The lifecycle is the whole state either way, so no rule
 * depends on who hosts it.
 */
final class ProcessLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessLifecycle.class);

    /** What the lifecycle needs done; implemented by its actor, and by a fake in tests. */
    interface Host {
        void emit(ProcessEvent event);

        /** Calls {@link #onMinDuration()} after {@code delay}. */
        void startTimer(Duration delay);

        void cancelTimer();

        /** Reads /proc off the caller's thread and calls {@link #onProcRead} with the result. */
        void readProc(ProcRequest request, String execPath);

        /** Asks the kernel to follow the process. @return false when its tracked map is full */
        boolean track();

        /** Asks the kernel to stop following the process. */
        void untrack();

        /** Nothing more will come out of this process; later inputs are only counted. */
        void finished();
    }

    /** How a parent answers a child that needs the image it had at the fork. */
    interface ForkReply {
        void image(ProcessInfo parentImage, boolean requested);

        void dropped(FilterReason reason);
    }

    /** What every process shares: settings and the services that need no waiting. */
    record Rules(Duration minDuration, int pendingLimit, List<String> watchedFiles, ExecFilter filter,
            FallbackPlan plan, ProcessImages images, EngineCounters counters, SavedProcesses saved) {

        /** Rules of a detector that keeps nothing for the next one. */
        Rules(Duration minDuration, int pendingLimit, List<String> watchedFiles, ExecFilter filter,
                FallbackPlan plan, ProcessImages images, EngineCounters counters) {
            this(minDuration, pendingLimit, watchedFiles, filter, plan, images, counters, SavedProcesses.OFF);
        }

        Rules {
            watchedFiles = List.copyOf(watchedFiles);
            if (pendingLimit < 1) {
                throw new IllegalArgumentException("pendingLimit must be positive, was " + pendingLimit);
            }
        }

        /** The configured path of a watched file, or what the process passed when the id is unknown. */
        String watchedPath(int watchId, String openedPath) {
            return watchId >= 0 && watchId < watchedFiles.size() ? watchedFiles.get(watchId) : openedPath;
        }

        EngineClock clock() {
            return images.clock();
        }
    }

    private enum Signal { MIN_DURATION, REQUESTED, SUPERSEDED, SHUTDOWN }

    private enum Phase {
        /** Waiting for the minimum duration; events are held. */
        PENDING,
        /** Reported (or followed on request): events go out as they come. */
        REPORTED,
        /** Done: later inputs are counted, nothing comes out. */
        ENDED
    }

    private enum Wait { NONE, EXEC_READ, PARENT_IMAGE, ADOPT_CHECK, REPORT_CHECK, LATE_CHECK, RESUME_CHECK }

    /** Where the image of a process that ended while no detector ran comes from; counted at its EXIT. */
    private enum Carried { NONE, SNAPSHOT, UNKNOWN }

    private record ExecInProgress(RawEvent event, boolean envCheck, boolean first) {
    }

    private record Adoption(ProcSnapshot snapshot, Instant foundAt, boolean requested) {
    }

    private final Rules rules;
    private Host host;
    private final int pid;
    private final long startBootTimeNs;

    private Phase phase = Phase.PENDING;
    private Wait wait = Wait.NONE;
    /** What the wait is for: the exec being decided, the fork facts, the scan's snapshot. Dropped once answered. */
    private Object waitingWith;
    /** Inputs that came during a wait, oldest first; null when none. */
    private ArrayDeque<Object> held;
    /** Events of a process not reported yet, oldest first; null when none. */
    private ArrayList<ProcessEvent> pending;
    /** The newest image the process runs that is not excluded. */
    private ProcessInfo image;
    /** The image its last emitted EXEC or FORK described: what its EXIT describes. */
    private ProcessInfo reportedImage;
    /** Found by the scan and not reported yet: when /proc was read, else null. */
    private Instant adoptedAt;
    /** Why it was not reported, when a filter said so: what its forked children are told. */
    private FilterReason dropReason;
    /** Followed on the user's request: its EXIT is reported even without an EXEC. */
    private boolean requested;
    /** False when the kernel could not track it (map full): no FILE_OPEN or EXIT will come. */
    private boolean followable = true;
    /** A reported process that now runs an excluded executable: its events until the next exec are not. */
    private boolean runsExcluded;
    /**
     * The detector stops and this process has handled everything before that: its host
     * may stop. A flag the host reads, not a call, so that the host need not keep one.
     */
    private boolean shutDown;
    /** Taken over from the previous detector, ended before this one started: what its image is. */
    private Carried carried = Carried.NONE;

    ProcessLifecycle(Rules rules, Host host, int pid, long startBootTimeNs) {
        this.rules = rules;
        this.host = host;
        this.pid = pid;
        this.startBootTimeNs = startBootTimeNs;
    }

    int pid() {
        return pid;
    }

    /** From now on {@code host} does what this lifecycle asks (its hand-off between actor and supervisor). */
    void rehost(Host newHost) {
        this.host = newHost;
    }

    /**
     * Reported and waiting on nothing: no timer, no /proc read, no parent's image, nothing
     * held. Such a lifecycle needs no actor; its next inputs may come straight from the
     * supervisor, and whatever they ask that takes time gets it an actor again.
     */
    boolean idle() {
        return phase == Phase.REPORTED && wait == Wait.NONE && held == null && !shutDown;
    }

    long startBootTimeNs() {
        return startBootTimeNs;
    }

    boolean ended() {
        return phase == Phase.ENDED;
    }

    // ---- how the process became known ----

    /**
     * The kernel reported an exec of a process not followed before: every rule of a first
     * exec starts here. An excluded executable, by the kernel's verdict or by the paths its
     * record gives, is dropped at once, with no /proc read; otherwise the prefix is the
     * engine's to check when a prefix is set and the kernel did not find it.
     */
    void startFirstExec(RawEvent e) {
        if (e.has(RawEvent.FLAG_EXCLUDED) || rules.filter().excluded(e.filename(), e.exePath())) {
            // Decided before anything is read, so that a child it forks meanwhile finds no
            // parent and is judged on its own exec, as when the kernel excludes.
            drop(FilterReason.EXCLUDED_EXE);
            return;
        }
        startExec(e, rules.filter().envPrefixConfigured() && !e.has(RawEvent.FLAG_ENV_MATCH));
    }

    /**
     * An exec of a process not followed before, past the exclusion of {@link #startFirstExec}.
     *
     * @param envCheck the kernel did not establish the prefix: the engine decides
     */
    void startExec(RawEvent e, boolean envCheck) {
        followable = !e.has(RawEvent.FLAG_TRACK_FULL);
        if (!fallBackFor(e, envCheck, true)) {
            beginExec(e, envCheck, ProcSnapshot.gone());
        }
    }

    /** A followed process forked this one: its FORK waits for the parent's image. */
    void startFork(ForkFacts fork) {
        followable = !fork.trackFull();
        await(Wait.PARENT_IMAGE, fork);
    }

    /** Found in /proc, by the scan or on request; already read and judged. */
    void startAdopted(ProcSnapshot snapshot, Instant foundAt, boolean onRequest) {
        // Tracked only now that this process is routed here: an EXIT the kernel sends from
        // here on comes to this lifecycle, never before it.
        if (!host.track()) {
            rules.counters().trackFailure();
            LOG.warn("cannot follow pid {}: the kernel's tracked map is full", pid);
            finish();
            return;
        }
        // It may have ended before track(), and then no EXIT will ever come.
        await(Wait.ADOPT_CHECK, new Adoption(snapshot, foundAt, onRequest));
        host.readProc(ProcRequest.ALIVE, "");
    }

    /**
     * A process the previous detector followed and reported, still running: followed again
     * with the image that was reported, and no second EXEC.
     *
     * @param recheck the kernel did not follow it across the restart: it may have ended
     *                before {@code track()}, and then no EXIT will come
     */
    void startResumed(ProcessInfo reported, boolean onRequest, boolean recheck) {
        if (!host.track()) {
            rules.counters().trackFailure();
            LOG.warn("cannot follow pid {} again: the kernel's tracked map is full", pid);
            finish();
            return;
        }
        image = reported;
        reportedImage = reported;
        requested = onRequest;
        phase = Phase.REPORTED;
        if (recheck) {
            await(Wait.RESUME_CHECK, null);
            host.readProc(ProcRequest.ALIVE, "");
        }
    }

    /**
     * A process the kernel followed for the previous detector that ended while none ran:
     * only its EXIT, from the ring's backlog, is still to come. With the image the state
     * file kept, its EXIT describes that (and, when its EXEC had not gone out yet, the EXEC
     * goes out with it if it lived the minimum duration); without one, the EXIT says the
     * image is unknown (and is reported if it lived the minimum duration).
     */
    void startEnded(ProcessInfo saved, boolean execReported) {
        if (saved == null) {
            carried = Carried.UNKNOWN;
            image = ProcessInfo.unknownImage(rules.clock().startTime(startBootTimeNs));
            reportedImage = image;
            requested = true;
            phase = Phase.REPORTED;
            return;
        }
        carried = Carried.SNAPSHOT;
        image = saved;
        if (execReported) {
            reportedImage = saved;
            phase = Phase.REPORTED;
        } else {
            // Its minimum duration counts from its start, which the EXIT will measure against.
            addPending(event(EventType.EXEC, rules.clock().startTime(startBootTimeNs), saved, null, null));
        }
    }

    // ---- inputs ----

    void onRaw(RawEvent e) {
        if (wait != Wait.NONE) {
            hold(e);
            return;
        }
        if (phase == Phase.ENDED) {
            rules.counters().filtered(FilterReason.UNKNOWN_PID);
            return;
        }
        switch (e.type()) {
            case EXEC -> onExec(e);
            case FILE_OPEN -> onFileOpen(e);
            case EXIT -> onExit(e);
            // A FORK starts a process of its own; one here is a second FORK of this process.
            default -> rules.counters().filtered(FilterReason.UNKNOWN_PID);
        }
    }

    /** A child was forked: it gets this process' image as of now, after what came before the fork. */
    void onForked(ForkReply reply) {
        if (wait != Wait.NONE) {
            hold(reply);
            return;
        }
        if (image != null && !runsExcluded && dropReason == null) {
            reply.image(image, requested);
        } else {
            reply.dropped(dropReason != null ? dropReason
                    : runsExcluded ? FilterReason.EXCLUDED_EXE : FilterReason.UNKNOWN_PID);
        }
    }

    /** The parent's answer to {@link #startFork}. */
    void onParentImage(ProcessInfo parentImage, boolean parentRequested) {
        if (wait != Wait.PARENT_IMAGE) {
            rules.counters().internalError();
            LOG.warn("pid {}: a parent image it did not wait for", pid);
            return;
        }
        ForkFacts fork = (ForkFacts) resume();
        image = rules.images().fork(startBootTimeNs, fork, parentImage);
        Instant at = rules.clock().eventTime(fork.ktimeNs());
        addPending(event(EventType.FORK, at, image, null, null));
        if (parentRequested) {
            // A FORK of a process followed on request is reported whatever the filters say,
            // the minimum duration included, and the child is followed on the same terms.
            requested = true;
            report();
        } else {
            awaitMinDuration();
        }
        replayHeld();
    }

    /** The parent was not reported, and neither is this child, which runs the same image. */
    void onParentDropped(FilterReason reason) {
        if (wait != Wait.PARENT_IMAGE) {
            rules.counters().internalError();
            LOG.warn("pid {}: a parent verdict it did not wait for", pid);
            return;
        }
        resume();
        drop(reason);
        replayHeld();
    }

    /** The answer to {@link Host#readProc}. */
    void onProcRead(ProcSnapshot s) {
        Wait was = wait;
        if (was == Wait.NONE || was == Wait.PARENT_IMAGE) {
            rules.counters().internalError();
            LOG.warn("pid {}: a /proc read it did not ask for", pid);
            return;
        }
        Object with = resume();
        switch (was) {
            case EXEC_READ -> {
                ExecInProgress exec = (ExecInProgress) with;
                if (exec.first()) {
                    beginExec(exec.event(), exec.envCheck(), s);
                } else {
                    applyReexec(exec.event(), s);
                }
            }
            case ADOPT_CHECK -> adopted((Adoption) with, s.alive());
            case REPORT_CHECK -> reportChecked(s.alive());
            case LATE_CHECK -> lateChecked(s.alive());
            case RESUME_CHECK -> resumeChecked(s.alive());
            default -> throw new IllegalStateException(was.name());
        }
        replayHeld();
    }

    void onMinDuration() {
        if (wait != Wait.NONE) {
            hold(Signal.MIN_DURATION);
        } else if (phase == Phase.PENDING) {
            report();
        }
    }

    /** The user asked to follow this process: its EXIT is reported even if nothing else was. */
    void onRequested() {
        if (wait != Wait.NONE) {
            hold(Signal.REQUESTED);
        } else {
            requested = true;
        }
    }

    /** A new process has this pid, or the process is gone: the kernel lost its EXIT. */
    void onSuperseded() {
        if (wait != Wait.NONE) {
            hold(Signal.SUPERSEDED);
        } else if (phase != Phase.ENDED) {
            rules.counters().lostExit();
            rules.counters().pendingDropped(discardPending());
            LOG.debug("pid {} ended or was reused without an EXIT from the kernel", pid);
            finish();
        }
    }

    /** The detector stops: what was held until now is handled, then nothing more comes out. */
    void onShutdown() {
        if (wait != Wait.NONE) {
            hold(Signal.SHUTDOWN);
            return;
        }
        save();
        pending = null;
        phase = Phase.ENDED;
        host.cancelTimer();
        shutDown = true;
    }

    /** Leaves the process for the next detector: what its EXIT is to describe, and whether its EXEC went out. */
    private void save() {
        if (carried == Carried.UNKNOWN) {
            // Nothing to keep: its EXIT, should it still come, is known from the backlog alone.
            return;
        }
        if (phase == Phase.REPORTED && reportedImage != null) {
            rules.saved().add(new SavedProcess(new ProcessKey(pid, startBootTimeNs), reportedImage, true, requested));
        } else if (phase == Phase.PENDING && image != null && followable) {
            rules.saved().add(new SavedProcess(new ProcessKey(pid, startBootTimeNs), image, false, requested));
        }
    }

    /** Whether the detector's shutdown reached this process: nothing more will come out of it. */
    boolean shutDown() {
        return shutDown;
    }

    // ---- rules ----

    /** @return whether /proc is being read for what the kernel's record lacks */
    private boolean fallBackFor(RawEvent e, boolean envCheck, boolean first) {
        ProcRequest request = rules.plan().needs(e, envCheck);
        if (!rules.images().knowsCgroups(e)) {
            request = request.withCgroup();
        }
        if (!request.readsAnything()) {
            return false;
        }
        rules.counters().execProcRead();
        await(Wait.EXEC_READ, new ExecInProgress(e, envCheck, first));
        // The exec'd path resolves to the executable only in the detector's own mount namespace.
        host.readProc(request, e.nsPid() == e.pid() ? e.filename() : "");
        return true;
    }

    private void beginExec(RawEvent e, boolean envCheck, ProcSnapshot s) {
        Optional<FilterReason> verdict = rules.filter().judge(e.filename(), rules.images().exePath(e, s),
                rules.plan().envMatch(e, s), e.has(RawEvent.FLAG_EXCLUDED), envCheck);
        if (verdict.isPresent()) {
            drop(verdict.get());
            return;
        }
        image = rules.images().exec(startBootTimeNs, e, s);
        Instant at = rules.clock().eventTime(e.ktimeNs());
        addPending(event(EventType.EXEC, at, image, null, null));
        awaitMinDuration();
    }

    private void adopted(Adoption adoption, boolean alive) {
        if (!alive) {
            host.untrack();
            if (adoption.requested()) {
                LOG.warn("pid {} asked to be tracked ended before it could be", pid);
            }
            finish();
            return;
        }
        image = rules.images().scanned(startBootTimeNs, adoption.snapshot());
        if (adoption.requested()) {
            requested = true;
            reportedImage = image;
            phase = Phase.REPORTED;
            return;
        }
        adoptedAt = adoption.foundAt();
        addPending(event(EventType.EXEC, adoptedAt, image, null, null));
        awaitMinDuration();
    }

    /** A new image for a process already known (also an exec by a non-leader thread: same process). */
    private void onExec(RawEvent e) {
        if (e.has(RawEvent.FLAG_EXCLUDED)) {
            runsExcludedImage();
        } else if (!fallBackFor(e, false, false)) {
            applyReexec(e, ProcSnapshot.gone());
        }
    }

    private void applyReexec(RawEvent e, ProcSnapshot s) {
        if (rules.filter().excluded(e.filename(), rules.images().exePath(e, s))) {
            runsExcludedImage();
            return;
        }
        runsExcluded = false;
        image = rules.images().exec(startBootTimeNs, e, s);
        Instant at = rules.clock().eventTime(e.ktimeNs());
        ProcessEvent exec = event(EventType.EXEC, at, image, null, null);
        if (phase == Phase.PENDING && adoptedAt != null && !at.isAfter(adoptedAt)) {
            // The scan read this image after the exec the kernel reported: one EXEC, the kernel's.
            discardPending();
            addPending(exec);
        } else if (phase == Phase.PENDING) {
            addPending(exec);
        } else {
            host.emit(exec);
            reportedImage = image;
        }
    }

    private void runsExcludedImage() {
        rules.counters().filtered(FilterReason.EXCLUDED_EXE);
        if (phase == Phase.PENDING && !requested) {
            // Nothing was reported and what it runs now is excluded: forget it all.
            rules.counters().pendingDropped(discardPending());
            dropReason = FilterReason.EXCLUDED_EXE;
            host.untrack();
            finish();
            return;
        }
        // Its EXIT is still due for what was reported; the kernel keeps it tracked for that.
        runsExcluded = true;
    }

    private void onFileOpen(RawEvent e) {
        if (runsExcluded) {
            LOG.debug("pid {} runs an excluded executable: its file open is not reported", pid);
            return;
        }
        ProcessEvent open = event(EventType.FILE_OPEN, rules.clock().eventTime(e.ktimeNs()), image,
                rules.watchedPath(e.watchId(), e.filename()), null);
        if (phase == Phase.PENDING) {
            addPending(open);
        } else {
            host.emit(open);
        }
    }

    private void onExit(RawEvent e) {
        Instant at = rules.clock().eventTime(e.ktimeNs());
        if (carried == Carried.UNKNOWN && !rules.minDuration().isZero()
                && Duration.between(image.startTime(), at).compareTo(rules.minDuration()) < 0) {
            // Nobody knows whether it was reported; one that lived less than the minimum duration was not.
            // Without a minimum every one was: the start (boot clock) and the exit (monotonic clock)
            // are converted with offsets of their own, and a process of a few hundred microseconds
            // can come out as ending before it started.
            rules.counters().filtered(FilterReason.MIN_DURATION);
            finish();
            return;
        }
        if (phase == Phase.PENDING && livedMinDuration(at)) {
            // It did live long enough: its timer, due on the scheduler's next tick, is late.
            release();
        } else if (phase == Phase.PENDING) {
            rules.counters().filtered(FilterReason.MIN_DURATION);
            rules.counters().pendingDropped(discardPending());
        }
        if (phase == Phase.REPORTED || requested) {
            ProcessInfo described = reportedImage != null ? reportedImage : image;
            Duration lifetime = Duration.between(described.startTime(), at);
            ExitInfo exit = ExitInfo.fromWaitStatus(e.exitStatus(), lifetime.isNegative() ? Duration.ZERO : lifetime);
            host.emit(event(EventType.EXIT, at, described, null, exit));
            if (carried == Carried.SNAPSHOT) {
                rules.counters().exitFromSnapshot();
            } else if (carried == Carried.UNKNOWN) {
                rules.counters().exitImageUnknown();
            }
        }
        finish();
    }

    /**
     * Where a pending process' minimum duration counts from: its start when the scan found
     * it (its exec was not seen), else the event that made it known, the first one held.
     */
    private Instant minDurationSince() {
        return adoptedAt != null ? rules.clock().startTime(startBootTimeNs) : pending.get(0).time();
    }

    /** Whether a process still pending at {@code exitAt} had lived the minimum duration. */
    private boolean livedMinDuration(Instant exitAt) {
        if (pending == null || pending.isEmpty()) {
            return false;
        }
        return Duration.between(minDurationSince(), exitAt).compareTo(rules.minDuration()) >= 0;
    }

    /** Reports now if the process has already lived the minimum duration, else starts its timer. */
    private void awaitMinDuration() {
        Duration remaining = rules.minDuration().minus(Duration.between(minDurationSince(), rules.clock().now()));
        if (remaining.isNegative() && !rules.minDuration().isZero() && adoptedAt == null && followable) {
            // Handled later than the minimum duration after it happened (a backlog the
            // ring kept while no detector ran, or a long lag): the time passed says nothing
            // about how long the process lived. Its EXIT, if it ended, is already on its
            // way; /proc tells whether it still runs.
            await(Wait.LATE_CHECK, null);
            host.readProc(ProcRequest.ALIVE, "");
        } else if (remaining.isNegative() || remaining.isZero()) {
            report();
        } else {
            host.startTimer(remaining);
        }
    }

    /**
     * The answer for a process handled late: still running, it has lived the minimum
     * duration; gone, its EXIT (which the kernel sends, since it follows the process)
     * decides, by the kernel's times, as for any process that ends while pending.
     */
    private void lateChecked(boolean alive) {
        if (alive) {
            report();
        }
    }

    /** The answer for a resumed process the kernel had not followed: gone already, its EXIT is lost. */
    private void resumeChecked(boolean alive) {
        if (!alive) {
            host.untrack();
            rules.counters().lostExit();
            LOG.debug("pid {}, followed again at start, ended before it could be tracked", pid);
            finish();
        }
    }

    private void report() {
        if (!followable) {
            // Without tracking no EXIT comes: whether it lived long enough only /proc can tell.
            await(Wait.REPORT_CHECK, null);
            host.readProc(ProcRequest.ALIVE, "");
            return;
        }
        release();
    }

    private void reportChecked(boolean alive) {
        if (alive) {
            release();
            return;
        }
        rules.counters().filtered(FilterReason.MIN_DURATION);
        rules.counters().pendingDropped(discardPending());
        finish();
    }

    private void release() {
        if (pending != null) {
            pending.forEach(host::emit);
            pending = null;
        }
        reportedImage = image;
        phase = Phase.REPORTED;
        if (!followable) {
            LOG.debug("pid {} reported without tracking: its EXIT cannot be seen", pid);
            finish();
        }
    }

    private void drop(FilterReason reason) {
        rules.counters().filtered(reason);
        dropReason = reason;
        host.untrack();
        LOG.debug("pid {} not reported: {}", pid, reason);
        finish();
    }

    private void finish() {
        phase = Phase.ENDED;
        pending = null;
        host.cancelTimer();
        host.finished();
    }

    // ---- bookkeeping ----

    private void await(Wait what, Object with) {
        wait = what;
        waitingWith = with;
    }

    private Object resume() {
        Object with = waitingWith;
        wait = Wait.NONE;
        waitingWith = null;
        return with;
    }

    private void hold(Object input) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(input);
    }

    private void replayHeld() {
        while (wait == Wait.NONE && held != null && !held.isEmpty()) {
            Object input = held.poll();
            if (input instanceof RawEvent raw) {
                onRaw(raw);
            } else if (input instanceof ForkReply reply) {
                onForked(reply);
            } else {
                switch ((Signal) input) {
                    case MIN_DURATION -> onMinDuration();
                    case REQUESTED -> onRequested();
                    case SUPERSEDED -> onSuperseded();
                    case SHUTDOWN -> onShutdown();
                    default -> throw new IllegalStateException(String.valueOf(input));
                }
            }
        }
        if (held != null && held.isEmpty()) {
            held = null;
        }
    }

    private void addPending(ProcessEvent e) {
        if (pending == null) {
            pending = new ArrayList<>(2);
        }
        if (pending.size() >= rules.pendingLimit()) {
            rules.counters().pendingDropped(1);
            LOG.debug("pid {}: more than {} events before the minimum duration, {} dropped",
                    pid, rules.pendingLimit(), e.type());
            return;
        }
        pending.add(e);
    }

    /** Forgets everything held for the minimum duration. @return how many FILE_OPENs were among it */
    private int discardPending() {
        if (pending == null) {
            return 0;
        }
        int fileOpens = (int) pending.stream().filter(e -> e.type() == EventType.FILE_OPEN).count();
        pending = null;
        return fileOpens;
    }

    private ProcessEvent event(EventType type, Instant at, ProcessInfo info, String filePath, ExitInfo exit) {
        return new ProcessEvent(type, pid, startBootTimeNs, at, info, filePath, exit);
    }
}
