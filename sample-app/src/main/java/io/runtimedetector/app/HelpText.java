package io.runtimedetector.app;

/** What {@code --help} prints. */
final class HelpText {

    static final String TEXT = """
            Usage: runtime-detector [FLAGS]

            Reports processes that start (EXEC), fork (FORK), open watched files (FILE_OPEN)
            and exit (EXIT) on this Linux node, seen through eBPF. Events go to stdout, logs
            to stderr; once attached it logs a line starting with "detector ready". Stop
            with Ctrl-C or SIGTERM.

            Which processes:
              --env-prefix PREFIX     only processes with an environment variable whose name
                                      starts with PREFIX (at most 63 bytes, no '=')
              --env KEY               copy this environment variable into events (repeatable)
              --exclude-exe PATH      never report this executable, absolute path (repeatable;
                                      /pause is always excluded)
              --min-duration DUR      only processes that live at least this long: 0, 250ms,
                                      1s, 2m (default 1s)
              --open-trigger PATH     report opens of this file, absolute path (repeatable)
              --track-pid PID         report this running process whatever its environment
                                      (repeatable)
              --proc PATH             the host's /proc (default: $HOST_PROCFS, else /proc)

            Output:
              --format text|json      human-readable lines, or one JSON object per line
                                      (default text)
              --output FILE           append events to FILE instead of stdout
              --log-level LEVEL       trace, debug, info, warn, error or off (default info)
              --stats-interval DUR    log the detector's counters this often (default: never;
                                      they are always logged once at exit)

              --help                  print this help and exit
              --version               print the version and exit

            Flags take their value as --flag value or --flag=value.
            Exit codes: 0 stopped normally, 1 failed, 2 bad command line, 77 this node cannot
            run the detector: missing privileges, or a kernel older than 5.8 or without BTF
            (CONFIG_DEBUG_INFO_BTF). Run as root, or with CAP_BPF and CAP_PERFMON to load the probe plus
            CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH to read other processes' /proc entries.
            """;

    private HelpText() {
    }
}
