package io.runtimedetector.engine;

import io.runtimedetector.probe.RawEvent;
import java.util.List;
import java.util.Map;

/**
 * One synthetic process: its identity, and the raw events the kernel would send about
 * it. Keeping pid and start together means no test can pair an event with the wrong
 * start time by accident, which matters where pid reuse is the subject.
 *
 * @param startBootTimeNs kernel-precision start, see {@link FakeProcfs#startNs}
 */
public record SimProcess(int pid, long startBootTimeNs) {

    /** A process that started {@code secondsAgo} before the fake procfs' "now". */
    public static SimProcess of(int pid, double secondsAgo) {
        return new SimProcess(pid, FakeProcfs.startNs(secondsAgo));
    }

    /** Its /proc entry, to fill in and create. */
    public FakeProcfs.Entry in(FakeProcfs procfs) {
        return procfs.process(pid, startBootTimeNs);
    }

    public RawEvent exec(String path, String... args) {
        return exec(0, path, args);
    }

    /** @param flags {@code RawEvent.FLAG_*} bits the kernel would set */
    public RawEvent exec(int flags, String path, String... args) {
        return RawEvent.exec(pid, startBootTimeNs, path, List.of(args), flags);
    }

    /**
     * An EXEC the kernel recorded in full: the resolved executable and every requested
     * variable it found, so that the engine needs no /proc read.
     */
    public RawEvent execComplete(String path, String exePath, Map<String, String> envs, String... args) {
        return exec(path, args).withImage(exePath, envs, RawEvent.FLAG_ENVS_COMPLETE);
    }

    /** The FORK that created this process, with the uid the kernel saw. */
    public RawEvent forkedBy(SimProcess parent, int uid) {
        RawEvent f = forkedBy(parent);
        return new RawEvent(f.type(), f.flags(), f.ktimeNs(), f.startBootTimeNs(), f.pid(), f.tid(), f.ppid(),
                f.nsPid(), uid, 0, 0, f.comm(), f.filename(), f.args(), f.exePath(), f.envs(), f.cgroupId());
    }

    /** The FORK that created this process. */
    public RawEvent forkedBy(SimProcess parent) {
        return RawEvent.fork(pid, startBootTimeNs, parent.pid());
    }

    public RawEvent fileOpen(String path, int watchId) {
        return RawEvent.fileOpen(pid, startBootTimeNs, path, watchId);
    }

    /** @param waitStatus as wait(2) reports it: {@code code << 8} or the signal number */
    public RawEvent exit(int waitStatus) {
        return RawEvent.exit(pid, startBootTimeNs, waitStatus);
    }

    public RawEvent exit() {
        return exit(0);
    }
}
