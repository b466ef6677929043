package io.runtimedetector.probe;

/**
 * Run in a child JVM by {@link ProbeLifecycleKernelTest}: opens a probe, says so, and
 * waits to be killed; or prints why it could not.
 */
public final class ProbeHolderMain {

    private ProbeHolderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        try {
            KernelProbe probe = KernelProbe.open(ProbeConfig.builder().build());
            System.out.println("attached");
            System.out.flush();
            Thread.sleep(60_000);
            probe.close();
        } catch (InsufficientPrivilegesException e) {
            System.out.println(e.getMessage());
            System.exit(77);
        }
    }
}
