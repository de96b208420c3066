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
    @Test
    void roundTripsAndOverridesDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub").resolve("tuning.json");
        TuningTable t = TuningTable.empty();
        Plan p = new Plan(Algorithm.CL_IMPLICIT_GEMM, new Tuning(128, 64, 8, 8, 4));
        t.put(TuningTable.key("Some GPU", "1.0"), "dense", p);
        t.write(file);
        assertEquals(Map.of("dense", p), TuningTable.read(file).plans(TuningTable.key("Some GPU", "1.0")));
        System.setProperty("convcl.tuning.file", file.toString());
        try {
            assertEquals(p, TuningTable.lookup("Some GPU", "1.0").get("dense"));
            assertTrue(TuningTable.lookup("Some GPU", "2.0").get("dense") == null, "another driver is not tuned");
        } finally {
            System.clearProperty("convcl.tuning.file");
        }
        Files.writeString(file, "{ not json");
        assertTrue(TuningTable.read(file).plans(TuningTable.key("Some GPU", "1.0")).isEmpty());
    }

    @Test
    void shippedDefaultsApplyByDeviceName() {
        Map<String, Plan> pocl = TuningTable.lookup("pthread-haswell-AMD EPYC", "3.1");
        assertEquals(new Plan(Algorithm.CL_CPU_TILE_TRANSPOSED, Planner.CPU_TILE_TRANSPOSED_6), pocl.get("transposed"));
        assertEquals(new Plan(Algorithm.CL_CPU_TILE, Planner.CPU_TILE_6x16), pocl.get("dense"));
        assertEquals(Plan.of(Algorithm.CL_CPU_DEPTHWISE), pocl.get("depthwise"));
        Map<String, Plan> h100 = TuningTable.lookup("NVIDIA H100 80GB HBM3", "580.159");
        assertEquals(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, Planner.MMA_TILES), h100.get("dense"));
        assertEquals(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES), h100.get("dense:tf32"));
        assertEquals(Plan.of(Algorithm.CL_DEPTHWISE), h100.get("depthwise"));
        // The shipped H100 entries are what the planner picks there untuned (and so agree with its table).
        io.github.convcl.plan.DeviceFacts facts = io.github.convcl.plan.DeviceFacts.nvidia("NVIDIA H100 80GB HBM3", 132, 49152, 1024, 90);
        io.github.convcl.spec.ConvSpec dense = io.github.convcl.spec.ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(64).kernel(3).padding(1).build();
        String cls = Planner.tuningClasses(dense).stream().filter(h100::containsKey).findFirst().orElseThrow();
        assertEquals(Planner.plan(dense, facts), h100.get(cls));
        assertTrue(TuningTable.lookup("Some Other GPU", "1").isEmpty());
    }
}
