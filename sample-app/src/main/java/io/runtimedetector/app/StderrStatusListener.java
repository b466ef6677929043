package io.runtimedetector.app;

import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;

/**
 * Logback's own warnings and errors (a broken logback.xml, say), on stderr. Without a
 * listener logback prints them to stdout, which must carry events only; with one, it
 * does not print them itself. Its routine INFO statuses are left out.
 */
public final class StderrStatusListener implements StatusListener {

    @Override
    public void addStatusEvent(Status status) {
        if (status.getEffectiveLevel() >= Status.WARN) {
            System.err.println("logback: " + status);
        }
    }
}
