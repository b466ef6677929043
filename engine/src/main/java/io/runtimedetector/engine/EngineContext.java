package io.runtimedetector.engine;

import io.runtimedetector.probe.EventProbe;

/**
 * What the supervisor and every process actor share: the rules, and the services they
 * call. All of them are thread-safe, since many actors use them at once.
 */
record EngineContext(
        ProcessLifecycle.Rules rules,
        ProcIo procIo,
        EventProbe probe,
        EventOutput output,
        EngineCounters counters,
        Releases releases) {

    ExecFilter filter() {
        return rules.filter();
    }
}
