// 16 threads x 500 convolutions sharing one runtime, in a forked JVM so that a crash cannot hide.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.plan.BackendKind;
import io.github.convcl.opencl.OpenCl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    static final int THREADS = 16;
    static final int OPERATIONS = 500;

    static String run(String backend, String... jvmOptions) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                ConcurrencyStress.class.getName(), backend, Integer.toString(THREADS), Integer.toString(OPERATIONS)));
        Path out = Files.createTempFile("stress", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int exit = p.waitFor();
        String text = Files.readString(out);
        Files.delete(out);
        assertEquals(0, exit, text);
        return text;
    }

    @Test
    void sixteenThreadsShareOneOpenClRuntime() throws Exception {
        boolean cpu = OpenCl.probe().devices().stream().anyMatch(d -> d.kind() == BackendKind.OPENCL_CPU);
        if (!cpu && !TestSupport.openClRequired()) {
            org.junit.jupiter.api.Assumptions.abort("no OpenCL CPU device");
        }
        assertTrue(run("opencl-cpu").contains("ok " + THREADS * OPERATIONS + " on opencl-cpu"));
    }

    @Test
    void sixteenThreadsShareOneJavaRuntime() throws Exception {
        assertTrue(run("java").contains("ok " + THREADS * OPERATIONS + " on java"));
    }

    /** With one thread per call each call runs on its caller's thread, sixteen at once, with thread-local workspaces. */
    @Test
    void sixteenThreadsShareOneJavaRuntimeEachCallOnItsOwnThread() throws Exception {
        String out = run("java", "-Dconvcl.threads=1");
        assertTrue(out.contains("ok " + THREADS * OPERATIONS + " on java (Java " + Runtime.version().feature() + ", 1 thread)"), out);
    }
}
