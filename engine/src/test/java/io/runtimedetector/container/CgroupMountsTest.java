package io.runtimedetector.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines of real mountinfo files: which hierarchies attribution reads, and where. */
class CgroupMountsTest {

    private static final List<String> HYBRID = List.of(
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
            "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
            "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");

    @Test
    void aHybridHostHasBoth() {
        assertEquals(new CgroupMounts(Path.of("/sys/fs/cgroup/unified"), "/", Path.of("/sys/fs/cgroup/memory"), "/"),
                CgroupMounts.parse(HYBRID, Path.of("/")));
    }

    @Test
    void theHostsMountsSeenThroughItsInitsRoot() {
        assertEquals(new CgroupMounts(Path.of("/host/proc/1/root/sys/fs/cgroup/unified"), "/",
                        Path.of("/host/proc/1/root/sys/fs/cgroup/memory"), "/"),
                CgroupMounts.parse(HYBRID, Path.of("/host/proc/1/root")));
    }

    @Test
    void aCgroupV2HostHasNoV1Hierarchy() {
        assertEquals(new CgroupMounts(Path.of("/sys/fs/cgroup"), "/", null, "/"), CgroupMounts.parse(List.of(
                "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
                        + "rw,nsdelegate,memory_recursiveprot"), Path.of("/")));
    }

    @Test
    void aV1OnlyHostHasNoUnifiedHierarchyAndControllersMayShareOne() {
        assertEquals(new CgroupMounts(null, "/", Path.of("/sys/fs/cgroup/memory,cpu"), "/"), CgroupMounts.parse(List.of(
                "30 25 0:26 / /sys/fs/cgroup/memory,cpu rw,nosuid shared:9 - cgroup cgroup rw,cpu,memory"),
                Path.of("/")));
    }

    @Test
    void aContainersOwnViewHasItsCgroupAsRootAndEscapedPathsAreUnescaped() {
        assertEquals(new CgroupMounts(Path.of("/sys/fs/cgroup"), "/kubepods/besteffort/pod 1", null, "/"),
                CgroupMounts.parse(List.of(
                        "700 690 0:30 /kubepods/besteffort/pod\\0401 /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw"),
                        Path.of("/")));
    }

    @Test
    void malformedLinesAreSkipped() {
        assertEquals(new CgroupMounts(null, "/", null, "/"),
                CgroupMounts.parse(List.of("", "garbage", "1 2 3 - cgroup2"), Path.of("/")));
    }
}
