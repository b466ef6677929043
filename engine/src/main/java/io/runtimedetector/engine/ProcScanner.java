package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the processes that were already running when the probe attached, and the ones
 * the user asks to follow, and hands them to the supervisor to adopt. Runs after the
 * probe is attached, so a process started during the scan is seen by one or both;
 * the supervisor keeps only one of them.
 */
final class ProcScanner {

    private static final Logger LOG = LoggerFactory.getLogger(ProcScanner.class);

    private final ProcReader proc;
    private final ExecFilter filter;
    private final EngineClock clock;
    private final EngineCounters counters;
    private final Consumer<SupervisorCommand> supervisor;

    ProcScanner(ProcReader proc, ExecFilter filter, EngineClock clock, EngineCounters counters,
            Consumer<SupervisorCommand> supervisor) {
        this.proc = proc;
        this.filter = filter;
        this.clock = clock;
        this.counters = counters;
        this.supervisor = supervisor;
    }

    /** Adopts every running process that passes the filters. @return how many were adopted */
    int scan() {
        int adopted = 0;
        int seen = 0;
        for (int pid : proc.pids()) {
            OptionalLong start = proc.startBootTimeNs(pid);
            if (start.isEmpty()) {
                continue; // ended since the directory was listed
            }
            seen++;
            ProcessKey key = new ProcessKey(pid, start.getAsLong());
            ProcSnapshot snapshot = proc.read(key);
            if (snapshot.looksLikeKernelThread()) {
                continue;
            }
            Optional<FilterReason> verdict = filter.judge(snapshot);
            if (verdict.isPresent()) {
                counters.filtered(verdict.get());
                continue;
            }
            supervisor.accept(new SupervisorCommand.Adopt(key, snapshot, clock.now(), false));
            adopted++;
        }
        LOG.debug("scan of /proc: {} processes, {} pass the filters", seen, adopted);
        return adopted;
    }

    /**
     * Follows a process on request, whatever the filters say.
     *
     * @return false when no such process runs
     */
    boolean adoptRequested(int pid) {
        OptionalLong start = proc.startBootTimeNs(pid);
        if (start.isEmpty()) {
            LOG.warn("cannot track pid {}: no such process", pid);
            return false;
        }
        ProcessKey key = new ProcessKey(pid, start.getAsLong());
        Instant now = clock.now();
        supervisor.accept(new SupervisorCommand.Adopt(key, proc.read(key), now, true));
        return true;
    }
}
