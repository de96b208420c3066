// The row blocks the im2col and pointwise GEMMs split output channels into: each starts at a packed panel's first row.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.TestSupport;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PanelsTest {
    /**
     * Every block boundary is the first row of a panel (the product of a block reads its panels from the boundary's
     * row on), and with 6-row panels the blocks split a layer evenly where they can (128 rows: 66 and 62, not 72 and 56).
     */
    @Test
    void rowBlocksStartAtPanelsAndSplitEvenly() {
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (int m = 1; m <= 600; m++) {
                    for (int mr : new int[] {4, 6}) {
                        int[] starts = Gemm.panelStarts(m, mr);
                        for (int other = 1; other <= 9; other++) {
                            int mb = Panels.rowBlock(m, mr, other);
                            assertTrue(mb >= 1 && mb <= m, m + " rows: block " + mb);
                            for (int b = mb; b < m; b += mb) {
                                assertTrue(Arrays.binarySearch(starts, b) >= 0,
                                        m + " rows in " + mr + "-row panels, block " + mb + ": " + b + " is no panel start");
                            }
                        }
                    }
                }
            }
            Parallel.setThreads(2);
            assertEquals(66, Panels.rowBlock(128, 6, 1), "two blocks of 128 rows");
            assertEquals(64, Panels.rowBlock(128, 4, 1), "two blocks of 128 rows in 4-row panels");
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * 482 output channels (6-row panels to 474, then two 4-row panels) of a 7x7 1x1 on three threads: ten row blocks of
     * 60 rows put a boundary at 480, inside the last panel, and the product read past the packed weights
     * (ArrayIndexOutOfBoundsException); the blocks must start at panels, and the layer match the float64 reference.
     */
    @Test
    void aLayerWhoseLastPanelsAreShortSplitsIntoRowBlocksOnThreeThreads() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(3);
            ConvSpec s = ConvSpec.conv(2).input(1, 16, 7, 7).outChannels(482).kernel(1).build();
            TestSupport.assertPlansMatchReference(new JavaBackend(), s.toString(), s,
                    List.of(Plan.of(Algorithm.JAVA_POINTWISE_GEMM), Plan.of(Algorithm.JAVA_IM2COL_GEMM)), 1e-5);
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * The direct GEMM's channel blocks too (JavaDirect's channelBlock): 434 output channels (6-row panels to 426, then
     * two 4-row panels) on two and three threads made blocks of 36, one starting at row 432 (the fuzzer's layer, every
     * direct plan: ArrayIndexOutOfBoundsException). Every plan the backend offers, against the float64 reference.
     */
    @Test
    void directChannelBlocksStartAtPanelsOnEveryThreadCount() {
        int before = Parallel.threads();
        try {
            ConvSpec s = ConvSpec.conv(1).input(1, 6, 18).outChannels(434).kernel(1).padding(3).dilation(2)
                    .paddingMode(io.github.convcl.spec.PaddingMode.REPLICATE).bias(false).build();
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                try (JavaBackend b = new JavaBackend()) {
                    TestSupport.assertPlansMatchReference(b, s + " " + threads + " threads", s, b.applicablePlans(s), 1e-5);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
