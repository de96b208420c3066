package io.github.convcl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.config.Settings;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner's variants: which strategy each family gets per shape and thread count, and what forcing reaches. */
class PlanVariantsTest {
    static final ConvSpec STEM = ConvSpec.conv(2).input(1, 3, 224, 224).outChannels(64).kernel(7).stride(2).padding(3).build();
    static final ConvSpec RESNET_S2 = ConvSpec.conv(2).input(2, 128, 56, 56).outChannels(128).kernel(3).stride(2).padding(1).build();
    static final ConvSpec RGB3X3 = ConvSpec.conv(2).input(1, 3, 112, 112).outChannels(16).kernel(3).padding(1).build();
    static final ConvSpec DEEP = ConvSpec.conv(2).input(2, 256, 14, 14).outChannels(256).kernel(3).padding(1).build();
    static final ConvSpec DEPTHWISE = ConvSpec.conv(2).input(1, 32, 56, 56).outChannels(32).kernel(3).padding(1).groups(32).build();

    static DeviceFacts java(int threads) {
        return DeviceFacts.java(threads, 8, Settings.JavaChoices.PLANNER);
    }

    static JavaDirect direct(ConvSpec s, DeviceFacts f) {
        Plan p = Planner.requireApplicable(s, f, Plan.of(Algorithm.JAVA_DIRECT_GEMM));
        return (JavaDirect) p.variant();
    }

    /** The table: layer, threads, the strategy the planner records. */
    @Test
    void theDirectGemmStrategyFollowsTheShapeAndTheThreads() {
        // 3 input channels: row tiles. A 3x3 reaches two rows past a task's seven: each task pads its own rows on 2
        // threads; one thread takes a padding pass ahead of the tiles.
        assertEquals("rows local", direct(RGB3X3, java(2)).toString());
        assertEquals("rows pass", direct(RGB3X3, java(1)).toString(), "one thread");
        // stem7x7s2 on 2 threads: tasks of 7 rows of 115 phase positions, taps reaching 3 rows: a padding pass.
        assertEquals("rows pass", direct(STEM, java(2)).toString());
        // resnet3x3s2 (batch 2): 128 channels in and out: panels over runs of positions, the input padded per task
        // on 2 threads (3.5 MiB padded, reach 30 of 256-position runs)
        assertEquals("columns local", direct(RESNET_S2, java(2)).toString());
        // deep3x3: 196 positions, 256 channels: too few positions to pad per task; channels split between tasks
        JavaDirect deep = direct(DEEP, java(2));
        assertEquals("columns pass", deep.toString());
        // in whole panels of the weights' height: 6 rows, or 4 on the JDKs whose kernels take 4-row panels only
        boolean six = JavaDirect.sixRowTiles();
        assertEquals(six ? 54 : 52, deep.channelBlock(), "two threads want 16 tasks: five blocks of whole panels");
        assertEquals(six ? 66 : 64, direct(DEEP, java(1)).channelBlock(), "one thread wants 8 tasks: four blocks");
    }

    @Test
    void settingsForceTheDirectGemmStrategy() {
        DeviceFacts forced = DeviceFacts.java(2, 8, new Settings.JavaChoices(false, null, null, null));
        assertEquals(JavaDirect.Layout.COLUMNS, direct(STEM, forced).layout());
        DeviceFacts noLocal = DeviceFacts.java(2, 8, new Settings.JavaChoices(null, false, false, null));
        assertEquals("rows pass", direct(RGB3X3, noLocal).toString());
        assertEquals("columns pass", direct(RESNET_S2, noLocal).toString());
        DeviceFacts padded = DeviceFacts.java(2, 8, new Settings.JavaChoices(null, null, null, false));
        assertEquals(new JavaDepthwise(false), Planner.plan(DEPTHWISE, padded).variant());
        assertEquals(new JavaDepthwise(true), Planner.plan(DEPTHWISE, java(2)).variant());
        assertEquals(new JavaDepthwise(false), Planner.plan(DEPTHWISE, DeviceFacts.java(2, 0, Settings.JavaChoices.PLANNER)).variant(),
                "the unpadded 3x3 reads whole vectors: none without the Vector API");
    }

    /** Every strategy that computes a layer is offered, so tests and `verify --all-plans` run each one. */
    @Test
    void everyDirectGemmStrategyIsOfferedAndForcible() {
        List<Plan> plans = Planner.applicable(STEM, java(2)).stream().filter(p -> p.algorithm() == Algorithm.JAVA_DIRECT_GEMM).toList();
        assertEquals(java.util.Set.of("columns pass", "columns local", "rows pass", "rows local"),
                plans.stream().map(p -> p.variant().toString()).collect(java.util.stream.Collectors.toSet()));
        assertEquals(4, plans.size(), plans.toString());
        for (Plan p : plans) {
            Plan named = new Plan(p.algorithm(), p.tuning(), p.variant().choice());
            assertEquals(p, Planner.requireApplicable(STEM, java(2), named), "forcing " + named + " takes the sizes for the device");
        }
        // Eight images on one thread: one row task per image, which pads its own image.
        ConvSpec one = ConvSpec.conv(2).input(8, 4, 4, 40).outChannels(8).kernel(3).padding(1).build();
        assertTrue(Planner.applicable(one, java(1)).stream().anyMatch(p -> p.variant() instanceof JavaDirect d
                && d.padding() == JavaDirect.Padding.IN_TASK), "in-task padding offered");
        // Rows narrower than a 16-column tile: no row layout.
        ConvSpec narrow = ConvSpec.conv(2).input(1, 4, 20, 12).outChannels(8).kernel(3).padding(1).build();
        assertTrue(Planner.applicable(narrow, java(2)).stream().noneMatch(p -> p.variant() instanceof JavaDirect d
                && d.layout() == JavaDirect.Layout.ROWS));
        assertThrows(IllegalArgumentException.class, () -> Planner.requireApplicable(narrow, java(2),
                new Plan(Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE, new JavaDirect(JavaDirect.Layout.ROWS, JavaDirect.Padding.PASS, 0, 0, 0, 0, 0))));
    }

    @Test
    void theImplicitGemmTablesFollowTheShapeAndTheSettings() {
        DeviceFacts gpu = DeviceFacts.nvidia("NVIDIA H100", 132, 49152, 1024, 90);
        Plan p = Planner.plan(RESNET_S2, gpu);
        assertEquals(Algorithm.CL_IMPLICIT_GEMM, p.algorithm());
        assertEquals(new ClGemm(true, true, false), p.variant(), "64 channels per group, step 16: tap-major");
        assertEquals(new ClGemm(true, false, false), Planner.plan(RESNET_S2, gpu.withGemm(new Settings.GemmChoices(false, true))).variant());
        ConvSpec circular = RESNET_S2.toBuilder().paddingMode(PaddingMode.CIRCULAR).build();
        assertEquals(new ClGemm(false, false, false), Planner.plan(circular, gpu).variant(), "circular padding: no flat table");
        ConvSpec up = ConvSpec.convTranspose(2).input(1, 64, 28, 28).outChannels(32).kernel(2).stride(2).build();
        assertTrue(((ClGemm) Planner.plan(up, gpu).variant()).rowTaps(), "kernel = stride: one tap per output");
        assertFalse(((ClGemm) Planner.plan(up, gpu.withGemm(new Settings.GemmChoices(true, false))).variant()).rowTaps());
        // The other layouts are offered on the first FMA plan and forcible on any tiling.
        List<Plan> gemm = Planner.applicable(up, gpu).stream().filter(q -> q.algorithm() == Algorithm.CL_IMPLICIT_GEMM).toList();
        assertEquals(ClGemm.options(up, gemm.get(0).tuning()).size() + Planner.GEMM_TILE_CANDIDATES.size() - 1, gemm.size(), gemm.toString());
        Plan last = gemm.get(gemm.size() - 1);
        Plan classes = last.with(new ClGemm(true, ((ClGemm) last.variant()).tapMajor(), false));
        assertEquals(classes, Planner.requireApplicable(up, gpu, classes));
    }

    @Test
    void theJavaWinogradRecordsTheDirectGemmItFallsBackTo() {
        Plan p = Planner.requireApplicable(DEEP, java(2), Plan.of(Algorithm.JAVA_WINOGRAD));
        assertEquals(direct(DEEP, java(2)), p.variant(), "non-finite data runs the direct GEMM with this strategy");
    }

    /** Each algorithm is a family, a micro-kernel and a staging; the predicates and labels follow from those. */
    @Test
    void algorithmsAreFamilyMicroKernelAndStaging() {
        assertEquals("implicit gemm mma 3xtf32 async", Algorithm.CL_IMPLICIT_GEMM_3XTF32_ASYNC.label());
        assertEquals("implicit gemm fma async", Algorithm.CL_IMPLICIT_GEMM_ASYNC.label());
        assertEquals("winograd F(2,3) mma 3xtf32", Algorithm.CL_WINOGRAD_F2_3XTF32.label());
        assertEquals("direct gemm", Algorithm.JAVA_DIRECT_GEMM.label());
        for (Algorithm a : Algorithm.values()) {
            assertEquals(a.name().startsWith("JAVA_"), a.family().isJava(), a.name());
            assertEquals(a.name().contains("TF32"), a.isTensorCore(), a.name());
            assertEquals(a.name().endsWith("_FRAG") || a.name().contains("TF32_ASYNC"), a.fragmentTiles(), a.name());
            assertEquals(a.name().endsWith("_ASYNC"), a.asyncCopies(), a.name());
            assertEquals(a.name().contains("3XTF32") ? 3 : a.name().contains("TF32") ? 1 : 0, a.tf32Products(), a.name());
            assertEquals(a.name().contains("WINOGRAD_F2") ? 2 : a.name().contains("WINOGRAD") ? 4 : 0, a.winogradTile(), a.name());
            assertEquals(a.name().startsWith("CL_IMPLICIT_GEMM"), a.implicitGemm(), a.name());
        }
    }
}
