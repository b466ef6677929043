package io.runtimedetector.app;

/**
 * Where /metrics, /healthz and /readyz are served, present when {@code --metrics-port} is given.
 *
 * @param address the address to listen on; 0.0.0.0 for all interfaces
 * @param port    the TCP port; 0 only in tests, for any free port
 */
record MetricsOptions(String address, int port) {
}
