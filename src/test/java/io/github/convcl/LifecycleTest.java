// close() and writes racing convolutions, in forked JVMs so that a crash fails the test instead of the suite.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.plan.BackendKind;
import io.github.convcl.opencl.OpenCl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LifecycleTest {
    /** Rounds per run: each opens a runtime, races it and checks the outcome. */
    static final int ROUNDS = 30;

    static String fork(String mode, String backend) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules",
                "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), LifecycleStress.class.getName(), mode, backend,
                Integer.toString(ROUNDS));
        Path out = Files.createTempFile("lifecycle", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int exit = p.waitFor();
        String text = Files.readString(out);
        Files.delete(out);
        assertEquals(0, exit, "exit " + exit + (exit > 128 ? " (killed by signal " + (exit - 128) + ")" : "") + ": " + text);
        return text;
    }

    @ParameterizedTest
    @CsvSource({"close, java", "close, opencl-cpu", "write, java", "write, opencl-cpu"})
    void racingCallsEndInACleanExceptionOrTheRightResult(String mode, String backend) throws Exception {
        if (backend.equals("opencl-cpu") && !TestSupport.openClRequired()
                && OpenCl.probe().devices().stream().noneMatch(d -> d.kind() == BackendKind.OPENCL_CPU)) {
            org.junit.jupiter.api.Assumptions.abort("no OpenCL CPU device");
        }
        String out = fork(mode, backend);
        assertTrue(out.contains("ok " + mode + " " + ROUNDS), out);
    }
}
