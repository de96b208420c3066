// Every user error of the command line ends in one line naming the file or the parameter, and exit 2.
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.TestSupport;
import io.github.convcl.golden.Npy;
import io.github.convcl.opencl.OpenCl;
import io.github.convcl.plan.BackendKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliUserErrorTest {
    private record Run(int exit, String out, String err) {
    }

    /** Runs the CLI with stdout and stderr captured; a run that does not end within a minute fails. */
    private static synchronized Run run(String... args) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> exit = pool.submit(() -> Main.run(args));
            return new Run(exit.get(60, TimeUnit.SECONDS), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            pool.shutdownNow();
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Exit 2, one "error:" line that contains {@code names}, and no stack trace. */
    private static void assertUserError(Run r, String names) {
        assertEquals(2, r.exit(), r.out() + r.err());
        String line = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
        assertTrue(line.contains(names), "expected an error naming " + names + ": " + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in"), r.err());
    }

    /** bench --layout: only the forward pass, and only on a backend that holds the layout. */
    @Test
    void benchRefusesALayoutItCannotTime(@TempDir Path dir) throws Exception {
        Path suite = write(dir.resolve("suite.json"), """
                {"format": 1, "layers": [{"name": "l", "op": "conv2d", "batch": {"gpu": 1, "cpu": 1}, "in_channels": 16,
                 "out_channels": 16, "spatial": [6, 6], "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1],
                 "dilation": [1, 1], "groups": 1, "bias": false}]}
                """);
        assertUserError(run("bench", "--suite", suite.toString(), "-b", "java", "--layout", "NCHW16C", "--pass", "backward-data"),
                "--layout NCHW16c applies to the forward pass");
        if (TestSupport.openClRequired() || OpenCl.probe().devices().stream().anyMatch(d -> d.kind() == BackendKind.OPENCL_CPU)) {
            assertUserError(run("bench", "--suite", suite.toString(), "-b", "opencl-cpu", "--layout", "NCHW16C"),
                    "--layout NCHW16c is not held by the opencl-cpu backend");
        }
    }

    @Test
    void networkNamesAnUnknownModelAndABadBatch() throws Exception {
        assertUserError(run("network", "--model", "vgg16", "-b", "java"), "--model vgg16");
        assertUserError(run("network", "--model", "resnet50", "--batch", "0", "-b", "java"), "--batch 0");
        assertUserError(run("network", "--model", "resnet50", "--precision", "fp16", "-b", "java"), "precision=fp16");
    }

    private static Path write(Path file, String text) throws Exception {
        Files.writeString(file, text);
        return file;
    }

    @Test
    void verifyRefusesWhatIsNotAGoldenDirectory(@TempDir Path dir) throws Exception {
        assertUserError(run("verify", dir.resolve("missing").toString(), "-b", "java"), "missing");
        assertUserError(run("verify", dir.toString(), "-b", "java"), "cases.json");
        write(dir.resolve("cases.json"), "{ \"format\": 1, \"cases\": [ {");
        assertUserError(run("verify", dir.toString(), "-b", "java"), "not valid JSON");
        write(dir.resolve("cases.json"), "{ \"format\": 7, \"cases\": [] }");
        assertUserError(run("verify", dir.toString(), "-b", "java"), "format 7");
        write(dir.resolve("cases.json"), "{ \"format\": 1, \"cases\": [] }");
        assertUserError(run("verify", dir.toString(), "-b", "java"), "holds no cases");
        write(dir.resolve("cases.json"), "{ \"format\": 1, \"cases\": [ { \"name\": \"t\", \"op\": \"conv1d\", \"tolerance\": \"abc\" } ] }");
        assertUserError(run("verify", dir.toString(), "-b", "java"), "tolerance=\"abc\"");
    }

    @Test
    void suiteFilesAreCheckedByBenchTuneAndShape(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.json");
        Path garbage = write(dir.resolve("garbage.json"), "not json at all");
        for (Path suite : new Path[] {missing, garbage}) {
            String names = suite.getFileName().toString();
            assertUserError(run("bench", "--suite", suite.toString(), "-b", "java"), names);
            assertUserError(run("tune", "--suite", suite.toString(), "-b", "java"), names);
            assertUserError(run("shape", "--suite", suite.toString()), names);
        }
        Path suite = Path.of(System.getProperty("user.dir")).resolve("../shared/bench/suite.json");
        if (Files.exists(suite)) {
            assertUserError(run("bench", "--suite", suite.toString(), "-b", "java", "--layers", "unknown"), "--layers unknown");
        }
    }

    @Test
    void npyFilesThatLieAboutTheirSizeAreRefusedBeforeAllocating(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.npy");
        Npy.write(file, new int[] {2, 3}, new float[6]);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 5));
        NpyRefusal.expect(file, "needs 24 bytes");
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000,), }";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 1 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) (header.length() + 1));
        b.put((header + "\n").getBytes(StandardCharsets.ISO_8859_1));
        Files.write(file, b.array());
        NpyRefusal.expect(file, "needs 8000000000 bytes");
    }

    /** Npy.read's refusal: an IOException naming the file and what its header claims. */
    private static final class NpyRefusal {
        static void expect(Path file, String words) {
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Npy.read(file));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(words), e.getMessage());
        }
    }

    @Test
    void fuzzRefusesCountsThatCannotRun() throws Exception {
        assertUserError(run("fuzz", "--cases", "-5", "-b", "java"), "--cases=-5");
        assertUserError(run("fuzz", "--cases", "3", "--max-flops", "-1", "-b", "java"), "--max-flops=-1");
        assertUserError(run("fuzz", "--cases", "3", "--threads", "0", "-b", "java"), "--threads");
    }
}
