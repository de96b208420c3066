// The tuning file: written atomically, read back, user entries over shipped defaults.
package io.github.convcl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TuningTableTest {
    /** A user tuning file that does not exist: the shipped defaults alone. */
    static final Path NO_FILE = Path.of("/nonexistent/convcl/tuning.json");

    @Test
    void roundTripsAndOverridesDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub").resolve("tuning.json");
        TuningTable t = TuningTable.empty();
        Plan p = new Plan(Algorithm.CL_IMPLICIT_GEMM, new Tuning(128, 64, 8, 8, 4));
        t.put(TuningTable.key("Some GPU", "1.0"), "dense", p);
        t.write(file);
        assertEquals(Map.of("dense", p), TuningTable.read(file).plans(TuningTable.key("Some GPU", "1.0")));
        assertEquals(p, TuningTable.lookup("Some GPU", "1.0", file).get("dense"));
        assertTrue(TuningTable.lookup("Some GPU", "2.0", file).get("dense") == null, "another driver is not tuned");
        Files.writeString(file, "{ not json");
        assertTrue(TuningTable.read(file).plans(TuningTable.key("Some GPU", "1.0")).isEmpty());
    }

    @Test
    void shippedDefaultsApplyByDeviceName() {
        Map<String, Plan> pocl = TuningTable.lookup("pthread-haswell-AMD EPYC", "3.1", NO_FILE);
        assertEquals(new Plan(Algorithm.CL_CPU_TILE_TRANSPOSED, Planner.CPU_TILE_TRANSPOSED_6), pocl.get("transposed"));
        assertEquals(new Plan(Algorithm.CL_CPU_TILE, Planner.CPU_TILE_6x16), pocl.get("dense"));
        assertEquals(Plan.of(Algorithm.CL_CPU_DEPTHWISE), pocl.get("depthwise"));
        Map<String, Plan> h100 = TuningTable.lookup("NVIDIA H100 80GB HBM3", "580.159", NO_FILE);
        // Measured on the H100 (`convcl tune`, 2026-11-23): the untuned defaults are the dense classes' winners.
        assertEquals(new Plan(Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES), h100.get("dense"));
        assertEquals(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES), h100.get("dense:tf32"));
        assertEquals(Algorithm.CL_WINOGRAD_F4, h100.get("dense-k3").algorithm());
        assertEquals(Plan.of(Algorithm.CL_DEPTHWISE), h100.get("depthwise"));
        assertTrue(h100.keySet().stream().noneMatch(k -> k.startsWith("layer ")), "no per-layer entries ship: " + h100.keySet());
        io.github.convcl.plan.DeviceFacts facts = io.github.convcl.plan.DeviceFacts.nvidia("NVIDIA H100 80GB HBM3", 132, 49152, 1024, 90);
        io.github.convcl.spec.ConvSpec strided = io.github.convcl.spec.ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(64).kernel(3)
                .stride(2).padding(1).build();
        assertEquals(Planner.plan(strided, facts).tiles(), h100.get("dense"), "the untuned planner agrees with the shipped dense entry");
        for (Plan p : h100.values()) {
            assertTrue(p.tuning().equals(io.github.convcl.plan.Tuning.NONE) || p.tuning().isValidGemmTiling() || p.tuning().isValidMmaTiling(),
                    "shipped tiling " + p);
        }
        assertTrue(TuningTable.lookup("Some Other GPU", "1", NO_FILE).isEmpty());
    }
}
