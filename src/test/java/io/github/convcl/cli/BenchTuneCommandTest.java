// convcl bench and convcl tune on a small suite: tables, JSON, chart, comparison, tuning file.
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.convcl.TestSupport;
import io.github.convcl.plan.BackendKind;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.opencl.OpenCl;
import io.github.convcl.plan.TuningTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTuneCommandTest {
    static final String SUITE = """
            {"format": 1, "layers": [
             {"name": "small3x3", "op": "conv2d", "batch": {"gpu": 2, "cpu": 1}, "in_channels": 8, "out_channels": 16,
              "spatial": [12, 12], "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 1, "bias": false},
             {"name": "smallT", "op": "conv_transpose2d", "batch": {"gpu": 2, "cpu": 1}, "in_channels": 8, "out_channels": 4,
              "spatial": [6, 6], "kernel_size": [4, 4], "stride": [2, 2], "padding": [1, 1], "dilation": [1, 1], "groups": 1,
              "output_padding": [0, 0], "bias": false}]}
            """;
    static final String TORCH = """
            {"device": "cpu x1 threads", "torch": "test", "tf32": false,
             "layers": {"small3x3": {"batch": 1, "ms": 0.5, "gflops": 1.0}, "smallT": {"batch": 1, "ms": 0.25, "gflops": 1.0}}}
            """;

    /** The Java backend's percent column: the nominal peak, unless the measured core check beats it. */
    @Test
    void theJavaPeakIsTheCoreCheckWhereItBeatsTheNominalOne() {
        assertEquals(217.0, BenchCommand.javaPeak(java.util.OptionalDouble.of(134.1), 217.0).getAsDouble(), 0.0);
        assertEquals(156.5, BenchCommand.javaPeak(java.util.OptionalDouble.of(156.5), 103.0).getAsDouble(), 0.0);
        assertEquals(90.0, BenchCommand.javaPeak(java.util.OptionalDouble.empty(), 90.0).getAsDouble(), 0.0);
        assertTrue(BenchCommand.javaPeak(java.util.OptionalDouble.empty(), 0).isEmpty(), "no clock, no core check");
    }

    @Test
    void benchPrintsTheTableWritesJsonAndChart(@TempDir Path dir) throws Exception {
        Path suite = Files.writeString(dir.resolve("suite.json"), SUITE);
        Path torch = Files.writeString(dir.resolve("torch.json"), TORCH);
        Path json = dir.resolve("out.json");
        Path png = dir.resolve("chart.png");
        Path md = dir.resolve("table.md");
        CliRun r = CliRun.of("bench", "--suite", suite.toString(), "-b", "java", "--repeats", "3", "--warmup-ms", "0",
                "--compare", torch.toString(), "--json", json.toString(), "--chart", png.toString(), "--markdown", md.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("small3x3") && r.out().contains("smallT"), r.out());
        assertTrue(r.out().contains("geometric mean of ConvCL / cpu x1 threads time over 2 layers"), r.out());
        JsonNode out = new ObjectMapper().readTree(json.toFile());
        assertEquals(JavaBackend.threads(), out.get("java_threads").asInt(), "the threads of the Java calls timed");
        JsonNode layer = out.get("layers").get("small3x3");
        assertTrue(layer.get("ms").asDouble() > 0 && layer.get("end_to_end_ms").asDouble() > 0, layer.toString());
        assertEquals(layer.get("ms").asDouble() / 0.5, layer.get("ratio").asDouble(), 1e-9);
        assertTrue(layer.get("check").asText().startsWith("ok"), layer.toString());
        assertTrue(out.get("geomean_ratio").asDouble() > 0);
        // the core check and its reference, the FMA units alone, before and after the layers (with the Vector API)
        for (String check : new String[] {"core_check_gflops_before", "core_check_gflops_after", "fma_check_gflops_before",
                "fma_check_gflops_after"}) {
            assertEquals(JavaBackend.vectorBits() > 0, out.has(check) && out.get(check).asDouble() > 0, check + " in " + out);
        }
        assertTrue(Files.size(png) > 1000, "chart written");
        // The Markdown table: a header, a separator and a row per layer, each with the ratio the JSON holds.
        List<String> lines = Files.readAllLines(md).stream().filter(l -> l.startsWith("|")).toList();
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("| cpu x1 threads ms | ratio |"), lines.get(0));
        assertTrue(lines.get(2).startsWith("| small3x3 | 1 | ") && lines.get(2).contains(String.format(java.util.Locale.ROOT, "| %.2f |",
                layer.get("ratio").asDouble())), lines.get(2));
        assertTrue(Files.readString(md).contains("Geometric mean of ConvCL / cpu x1 threads time"), Files.readString(md));
    }

    /** Several anchors: each layer is compared with the fastest of them, named in the JSON and the table. */
    @Test
    void benchComparesEachLayerWithTheFastestAnchor(@TempDir Path dir) throws Exception {
        Path suite = Files.writeString(dir.resolve("suite.json"), SUITE);
        Path slow = Files.writeString(dir.resolve("a.json"), "{\"device\": \"torch\", \"layers\": {\"small3x3\": {\"ms\": 0.9}, "
                + "\"smallT\": {\"ms\": 0.2}}}");
        Path fast = Files.writeString(dir.resolve("b.json"), "{\"device\": \"ort\", \"layers\": {\"small3x3\": {\"ms\": 0.3}}}");
        Path json = dir.resolve("out.json");
        Path md = dir.resolve("table.md");
        CliRun r = CliRun.of("bench", "--suite", suite.toString(), "-b", "java", "--repeats", "3", "--warmup-ms", "0",
                "--compare", slow.toString(), "--compare", fast.toString(), "--json", json.toString(), "--markdown", md.toString());
        assertEquals(0, r.exit(), r.out());
        JsonNode layers = new ObjectMapper().readTree(json.toFile()).get("layers");
        assertEquals(0.3, layers.get("small3x3").get("reference_ms").asDouble(), 0.0);
        assertEquals("ort", layers.get("small3x3").get("reference_anchor").asText());
        assertEquals(0.2, layers.get("smallT").get("reference_ms").asDouble(), 0.0);
        assertEquals("torch", layers.get("smallT").get("reference_anchor").asText());
        String table = Files.readString(md);
        assertTrue(table.contains("fastest of torch, ort ms") && table.contains("0.300 (ort)"), table);
    }

    /**
     * --layout NCHW16C: tensors of channels in 16s are blocked, the others stay NCHW; the layers still match the reference,
     * the algorithm column names the blocked kernel (with 16-lane vectors) or the reordered plan, the JSON the layout (its
     * refusals: CliUserErrorTest).
     */
    @Test
    void benchTimesTheLayersInTheBlockedLayout(@TempDir Path dir) throws Exception {
        Path suite = Files.writeString(dir.resolve("suite.json"), """
                {"format": 1, "layers": [
                 {"name": "blocked3x3", "op": "conv2d", "batch": {"gpu": 1, "cpu": 1}, "in_channels": 16, "out_channels": 32,
                  "spatial": [9, 10], "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 1, "bias": true},
                 {"name": "rgb", "op": "conv2d", "batch": {"gpu": 1, "cpu": 2}, "in_channels": 3, "out_channels": 16,
                  "spatial": [11, 11], "kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "dilation": [1, 1], "groups": 1, "bias": false}]}
                """);
        Path json = dir.resolve("out.json");
        CliRun r = CliRun.of("bench", "--suite", suite.toString(), "-b", "java", "--repeats", "2", "--warmup-ms", "0",
                "--layout", "NCHW16C", "--json", json.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("tensors in NCHW16c where the channels allow"), r.out());
        JsonNode out = new ObjectMapper().readTree(json.toFile());
        assertEquals("NCHW16c", out.get("layout").asText());
        JsonNode blocked = out.get("layers").get("blocked3x3");
        JsonNode rgb = out.get("layers").get("rgb");
        assertTrue(blocked.get("check").asText().startsWith("ok") && rgb.get("check").asText().startsWith("ok"), out.toString());
        boolean lanes16 = JavaBackend.vectorBits() == 512;
        assertEquals(lanes16, blocked.get("algorithm").asText().startsWith("blocked "), blocked.toString());
        assertTrue(rgb.get("algorithm").asText().endsWith("(reordered)"), rgb.toString());
        CliRun fused = CliRun.of("bench", "--suite", suite.toString(), "-b", "java", "--layout", "NCHW16C", "--epilogue",
                "scale+shift+residual+relu", "--layers", "blocked3x3", "--warmup-ms", "0");
        assertEquals(0, fused.exit(), fused.out());
        assertTrue(fused.out().contains("fused / bare over 1 layers"), fused.out());
    }

    @Test
    void benchRunsTheJavaBackendOnTheThreadsAskedForAndRestoresTheCount(@TempDir Path dir) throws Exception {
        Path suite = Files.writeString(dir.resolve("suite.json"), SUITE);
        int before = JavaBackend.threads();
        CliRun r = CliRun.of("bench", "--suite", suite.toString(), "-b", "java", "--repeats", "2", "--warmup-ms", "0",
                "--layers", "small3x3", "--threads", "1");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("backend: java on Java " + Runtime.version().feature() + ", 1 thread"), r.out());
        assertTrue(r.out().contains("core check (Java " + io.github.convcl.jvm.JavaBench.coreTile() + " tile on L1 data, 1 thread)") || !r.out().contains("core check"), r.out());
        assertEquals(before, JavaBackend.threads(), "the count the process had");
        CliRun bad = CliRun.of("bench", "--suite", suite.toString(), "-b", "java", "--threads", "0");
        assertEquals(2, bad.exit(), "a count out of range is a usage error");
        assertEquals(before, JavaBackend.threads());
    }

    @Test
    void tuneStoresOnePlanPerLayerClass(@TempDir Path dir) throws Exception {
        boolean cpu = OpenCl.probe().devices().stream().anyMatch(d -> d.kind() == BackendKind.OPENCL_CPU);
        if (!cpu && !TestSupport.openClRequired()) {
            org.junit.jupiter.api.Assumptions.abort("no OpenCL CPU device");
        }
        Path suite = Files.writeString(dir.resolve("suite.json"), SUITE);
        Path file = dir.resolve("tuning.json");
        CliRun r = CliRun.of("tune", "--suite", suite.toString(), "-b", "opencl-cpu", "--repeats", "2", "--file", file.toString(),
                "--each");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("dense-k3") && r.out().contains("transposed"), r.out());
        // --each: a line per timed candidate, Winograd among those of the 3x3 layer.
        assertTrue(r.out().lines().filter(l -> l.startsWith("small3x3 ") && l.endsWith(" ms")).count() >= 5, r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("small3x3 ") && l.contains("winograd F(4,3)")), r.out());
        TuningTable t = TuningTable.read(file);
        var device = OpenCl.probe().devices().stream().filter(d -> d.kind() == BackendKind.OPENCL_CPU).findFirst().orElseThrow();
        var plans = t.plans(TuningTable.key(device.name(), device.driverVersion()));
        // One entry per class, and one per layer (its own best, which serves that exact layer first).
        assertEquals(4, plans.size(), plans.keySet().toString());
        assertTrue(plans.keySet().containsAll(java.util.Set.of("dense-k3", "transposed")), plans.keySet().toString());
        assertEquals(2, plans.keySet().stream().filter(k -> k.startsWith("layer ")).count(), plans.keySet().toString());
        assertTrue(r.out().contains("best plan (written for this layer)"), r.out());
    }

    /**
     * --pass backward-data and backward-weight: every plan of the pass timed, checked against the planner's, and stored
     * under the pass's keys, which a backend opened with the file then plans by.
     */
    @Test
    void tuneStoresTheBackwardPassesUnderTheirOwnKeys(@TempDir Path dir) throws Exception {
        var device = OpenCl.probe().devices().stream().filter(d -> d.kind() == BackendKind.OPENCL_CPU).findFirst();
        if (device.isEmpty() && !TestSupport.openClRequired()) {
            org.junit.jupiter.api.Assumptions.abort("no OpenCL CPU device");
        }
        // A depthwise layer: its adjoint is a depthwise convolution too, which few kernels (quick PoCL builds) run.
        Path suite = Files.writeString(dir.resolve("suite.json"), """
                {"format": 1, "layers": [
                 {"name": "smallDw", "op": "conv2d", "batch": {"gpu": 2, "cpu": 1}, "in_channels": 8, "out_channels": 8,
                  "spatial": [12, 12], "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 8, "bias": false}]}
                """);
        Path file = dir.resolve("tuning.json");
        for (String pass : java.util.List.of("backward-data", "backward-weight")) {
            CliRun r = CliRun.of("tune", "--suite", suite.toString(), "-b", "opencl-cpu", "--repeats", "1", "--file", file.toString(),
                    "--pass", pass, "--each");
            assertEquals(0, r.exit(), r.out());
            assertTrue(r.out().lines().noneMatch(l -> l.contains("rejected")), r.out());
        }
        var plans = TuningTable.read(file).plans(TuningTable.key(device.orElseThrow().name(), device.orElseThrow().driverVersion()));
        assertTrue(plans.keySet().containsAll(java.util.Set.of("depthwise:backward-data", "depthwise:backward-weight")), plans.keySet().toString());
        assertEquals(2, plans.keySet().stream().filter(k -> k.startsWith("layer ")).count(), plans.keySet().toString());
        assertEquals(io.github.convcl.plan.Algorithm.Family.CL_WEIGHT_GRAD, plans.get("depthwise:backward-weight").algorithm().family());
        var settings = io.github.convcl.config.Settings.fromSystem().withTuningFile(file);
        try (io.github.convcl.ConvCL cl = TestSupport.openOrSkip("opencl-cpu", settings)) {
            for (var l : Suite.load(suite, "cpu")) {
                var s = l.spec();
                for (var pass : java.util.List.of(io.github.convcl.spec.Pass.BACKWARD_DATA, io.github.convcl.spec.Pass.BACKWARD_WEIGHT)) {
                    var stored = plans.get(io.github.convcl.plan.Planner.layerKey(s, pass));
                    var planned = cl.plan(s, pass);
                    assertEquals(stored.algorithm(), planned.algorithm(), l.name() + " " + pass);
                    assertEquals(stored.tuning(), planned.tuning(), l.name() + " " + pass);
                }
            }
        }
    }

    /** --max-seconds: the first layer is tuned and written, the rest are named as left out. */
    @Test
    void tuneStopsAtItsTimeBudgetAndKeepsWhatItMeasured(@TempDir Path dir) throws Exception {
        var device = OpenCl.probe().devices().stream().filter(d -> d.kind() == BackendKind.OPENCL_CPU).findFirst();
        if (device.isEmpty() && !TestSupport.openClRequired()) {
            org.junit.jupiter.api.Assumptions.abort("no OpenCL CPU device");
        }
        Path suite = Files.writeString(dir.resolve("suite.json"), SUITE);
        Path file = dir.resolve("tuning.json");
        CliRun r = CliRun.of("tune", "--suite", suite.toString(), "-b", "opencl-cpu", "--repeats", "1", "--file", file.toString(),
                "--max-seconds", "0");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("time budget of 0 s spent: not tuned smallT"), r.out());
        var plans = TuningTable.read(file).plans(TuningTable.key(device.orElseThrow().name(), device.orElseThrow().driverVersion()));
        assertEquals(2, plans.size(), plans.keySet().toString());
        assertTrue(plans.containsKey("dense-k3") && !plans.containsKey("transposed"), plans.keySet().toString());
    }

    /** tune times what can win: no emulated tensor cores on CPUs, no CPU-shaped kernels on GPUs, mma on NVIDIA. */
    @Test
    void tuneCandidatesLeaveOutWhatCannotWin() {
        io.github.convcl.spec.ConvSpec s = io.github.convcl.spec.ConvSpec.conv(2).input(1, 32, 16, 16).outChannels(32).kernel(3)
                .padding(1).build();
        var pocl = new io.github.convcl.plan.DeviceFacts(BackendKind.OPENCL_CPU, "AMD", "pthread", 2, 524288, 4096)
                .withTensorCores(io.github.convcl.plan.DeviceFacts.TensorCores.EMULATED);
        var h100 = io.github.convcl.plan.DeviceFacts.nvidia("NVIDIA H100 80GB HBM3", 132, 49152, 1024, 90);
        var onCpu = TuneCommand.candidates(s, io.github.convcl.spec.Pass.FORWARD, pocl);
        var onGpu = TuneCommand.candidates(s, io.github.convcl.spec.Pass.FORWARD, h100);
        assertTrue(onCpu.stream().noneMatch(p -> p.algorithm().isTensorCore()), onCpu.toString());
        assertTrue(onCpu.stream().anyMatch(p -> p.algorithm() == io.github.convcl.plan.Algorithm.CL_CPU_TILE), onCpu.toString());
        assertTrue(onGpu.stream().noneMatch(p -> p.algorithm() == io.github.convcl.plan.Algorithm.CL_CPU_TILE), onGpu.toString());
        assertTrue(onGpu.stream().anyMatch(p -> p.algorithm() == io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_3XTF32), onGpu.toString());
        // Winograd: on GPUs with implicit-GEMM or tensor-core products, on CPUs with CPU tiles or implicit GEMM.
        assertTrue(onGpu.stream().anyMatch(p -> p.algorithm() == io.github.convcl.plan.Algorithm.CL_WINOGRAD_F4_3XTF32), onGpu.toString());
        assertTrue(onGpu.stream().filter(p -> p.algorithm().winogradTile() > 0).allMatch(p -> p.tuning().tk() > 1), onGpu.toString());
        assertTrue(onCpu.stream().anyMatch(p -> p.algorithm() == io.github.convcl.plan.Algorithm.CL_WINOGRAD_F4 && p.tuning().tk() == 1),
                onCpu.toString());
    }
}
