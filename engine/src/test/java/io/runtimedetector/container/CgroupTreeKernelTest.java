package io.runtimedetector.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.probe.KernelTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The id → path cache on the real unified hierarchy: the walk, inotify on mkdir and rmdir, the grace period. */
class CgroupTreeKernelTest {

    private static final String ID = "5b1e0c3a9f2d4e6b8a7c1d0e2f3b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f12";
    private static final Duration WAIT = KernelTestSupport.patience(Duration.ofSeconds(5));

    @BeforeAll
    static void root() {
        KernelTestSupport.requireKernel();
    }

    private static long inode(Path dir) throws Exception {
        return (Long) Files.getAttribute(dir, "unix:ino");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + WAIT.toMillis() + " ms");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void walksAtStartFollowsMkdirAndKeepsARemovedCgroupForTheGracePeriod() throws Exception {
        Path mount = KernelTestSupport.cgroup2Root();
        AtomicLong now = new AtomicLong();
        try (TestCgroups cgroups = new TestCgroups()) {
            Path top = cgroups.unified();
            Path before = TestCgroups.create(top, "docker/" + ID);
            try (CgroupTree tree = CgroupTree.open(mount, "/", Duration.ofSeconds(30), now::get, c -> { })) {
                CgroupTree.Cgroup walked = tree.get(inode(before));
                assertNotNull(walked, "a cgroup there at start is walked");
                assertEquals(TestCgroups.cgroupPath(mount, before), walked.path());
                assertEquals(ContainerInfo.of(ID, ContainerInfo.DOCKER, null), walked.container());
                assertEquals("/", tree.get(inode(mount)).path());

                // Created afterwards, several levels at once: inotify on the parent, then a walk of the new subtree.
                Path pod = TestCgroups.create(top, "kubepods/besteffort/pod4c6e1b2a-7d3f-4e5a-9b8c-0d1e2f3a4b5c");
                Path container = TestCgroups.create(pod, ID);
                long id = inode(container);
                await(() -> tree.get(id) != null, "a new cgroup is known");
                assertEquals(ContainerInfo.of(ID, null, "4c6e1b2a-7d3f-4e5a-9b8c-0d1e2f3a4b5c"),
                        tree.get(id).container());

                Files.delete(container);
                Thread.sleep(300);
                assertNotNull(tree.get(id), "late events of a removed cgroup still resolve");
                now.addAndGet(Duration.ofSeconds(31).toNanos());
                await(() -> tree.get(id) == null, "a removed cgroup is forgotten after its grace period");
                assertNotNull(tree.get(inode(pod)), "its parent stays");
            }
        }
    }

    @Test
    void aHierarchyThatIsNotMountedIsAnError() {
        org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.NoSuchFileException.class,
                () -> CgroupTree.open(Path.of("/nonexistent-rd-attr"), "/", Duration.ofSeconds(1)));
    }

    @Test
    void aPathThatIsNoContainerResolvesToNone() throws Exception {
        Path mount = KernelTestSupport.cgroup2Root();
        try (TestCgroups cgroups = new TestCgroups();
                CgroupTree tree = CgroupTree.open(mount, "/", Duration.ofSeconds(1))) {
            Path plain = TestCgroups.create(cgroups.unified(), "system.slice/containerd.service");
            long id = inode(plain);
            await(() -> tree.get(id) != null, "a new cgroup is known");
            assertNull(tree.get(id).container());
        }
    }
}
