package io.runtimedetector.app;

/**
 * A command line that cannot be run. Its message is the whole diagnosis, e.g.
 * {@code --min-duration: '1x' is not a duration}: it is printed as is, without a stack trace.
 */
public final class UsageException extends Exception {

    private final String subject;

    /** @param subject the flag (or argument) at fault, e.g. {@code --env-prefix} */
    public UsageException(String subject, String problem) {
        super(subject + ": " + problem, null, false, false);
        this.subject = subject;
    }

    public String subject() {
        return subject;
    }
}
