// In a JVM where OpenCL finds no driver, the runtime says why and runs on Java; nobody sees an UnsatisfiedLinkError.
package io.github.convcl.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.TestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class NoOpenClFallbackTest {
    /** Output and exit status of a forked {@code convcl} run. */
    public record Forked(int exit, String stdout, String stderr) {
    }

    /** Runs the CLI in a fresh JVM on this test class path, with extra environment variables. */
    public static Forked fork(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.github.convcl.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("CONVCL_BACKEND");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("convcl-out", ".txt");
        Path err = Files.createTempFile("convcl-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        int exit = pb.start().waitFor();
        Forked f = new Forked(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return f;
    }

    @Test
    void emptyVendorDirectoryFallsBackToJava(@TempDir Path empty) throws Exception {
        Path golden = TestSupport.goldenDir();
        Forked f = fork(Map.of("OCL_ICD_VENDORS", empty.toString()), "verify", golden.toString(), "-q");
        assertEquals(0, f.exit(), f.stdout() + f.stderr());
        assertTrue(f.stdout().matches("(?s).*\\d+ passed, 0 failed\\s*"), f.stdout());
        assertFalse(f.stdout().contains("opencl"), f.stdout());
        assertFalse(f.stderr().contains("UnsatisfiedLinkError"), f.stderr());

        Forked demo = fork(Map.of("OCL_ICD_VENDORS", empty.toString()), "demo", "--repeats", "1");
        assertEquals(0, demo.exit(), demo.stdout() + demo.stderr());
        assertTrue(demo.stdout().contains("backend: java"), demo.stdout());
        assertTrue(demo.stderr().contains("ConvCL java backend") && demo.stderr().contains("opencl-gpu unavailable"), demo.stderr());
    }

    /**
     * The forked JVM does not resolve {@code jdk.incubator.vector}, so the Java backend runs its portable products
     * ({@code PlainGemm}): every Java algorithm on every golden case.
     */
    @Test
    void withoutTheVectorApiEveryJavaAlgorithmPassesTheGoldenCases(@TempDir Path empty) throws Exception {
        Forked f = fork(Map.of("OCL_ICD_VENDORS", empty.toString()), "verify", TestSupport.goldenDir().toString(), "-b", "java",
                "--all-plans", "-q");
        assertEquals(0, f.exit(), f.stdout() + f.stderr());
        assertTrue(f.stdout().matches("(?s).*\\d+ passed, 0 failed\\s*"), f.stdout());
        assertTrue(f.stderr().contains("Vector API is not resolved"), f.stderr());
    }
}
