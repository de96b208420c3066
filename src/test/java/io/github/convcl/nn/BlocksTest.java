package io.github.convcl.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.TestSupport;
import io.github.convcl.golden.BlockCases;
import io.github.convcl.golden.GoldenRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The seed's blocks against torchvision (../shared/golden-blocks) and the whole networks across backends. */
class BlocksTest {
    private static BlockCases blocks() throws Exception {
        Path dir = TestSupport.goldenDir().resolveSibling("golden-blocks");
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve(BlockCases.FILE)), "no golden-blocks at " + dir);
        return BlockCases.load(dir);
    }

    private static void assertAllPass(List<GoldenRunner.Result> results) {
        assertTrue(results.size() >= 2, "ran " + results.size() + " results");
        List<String> failed = results.stream().filter(r -> !r.passed()).map(r -> r.name() + ": " + r.detail()).toList();
        assertTrue(failed.isEmpty(), failed.toString());
    }

    @Test
    void goldenBlocksPassOnJavaWithEveryPlan() throws Exception {
        try (ConvCL cl = ConvCL.open("java")) {
            assertAllPass(blocks().run(cl, true));
        }
    }

    @Test
    void goldenBlocksPassOnOpenCl() throws Exception {
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            assertAllPass(blocks().run(cl, false));
        }
    }

    /** GoogLeNet at batch 2 on OpenCL against the Java backend (ResNet-50's blocks are checked above). */
    @Test
    void googlenetOnOpenClMatchesJava() {
        float[] onJava;
        float[] image = TestSupport.gaussian(new Random(5), 2L * 3 * 224 * 224);
        try (ConvCL cl = ConvCL.open("java"); Network net = Network.googlenet(cl, 2, Weights.random(3));
             Tensor x = cl.tensor(image, net.inputShape())) {
            assertEquals(List.of(2, 1000, 1, 1), Arrays.stream(net.outputShape()).boxed().toList());
            onJava = net.forward(x, Trace.OFF).toArray();
        }
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu"); Network net = Network.googlenet(cl, 2, Weights.random(3));
             Tensor x = cl.tensor(image, net.inputShape())) {
            float[] y = net.forward(x, Trace.OFF).toArray();
            GoldenRunner.Result r = GoldenRunner.compare("googlenet", y, onJava, 1e-3);
            assertTrue(r.passed(), r.detail());
        }
    }

    /**
     * A network's blocks share their output and temporary tensors ({@link Scratch}): its forward must give the bits of
     * its blocks run one by one into tensors of their own, and the same bits again on the next forward.
     */
    @Test
    void sharedTensorsGiveTheBlocksOwnResults() {
        float[] image = TestSupport.gaussian(new Random(7), 3L * 224 * 224);
        for (String model : Network.MODELS) {
            try (ConvCL cl = ConvCL.open("java"); Network net = Network.build(model, cl, 1, Weights.random(2));
                 Tensor x = cl.tensor(image, net.inputShape())) {
                float[] shared = net.forward(x, Trace.OFF).toArray();
                List<Tensor> own = new java.util.ArrayList<>();
                Tensor in = x;
                List<Block> blocks = net.blocks();
                for (int i = 0; i < blocks.size(); i++) {
                    Block b = blocks.get(i);
                    Tensor out = cl.empty(net.outputLayout(i), b.outputShape());
                    own.add(out);
                    b.forward(in, out, Trace.OFF);
                    in = out;
                }
                assertTrue(Arrays.equals(in.toArray(), shared), model + ": shared tensors changed the output");
                assertTrue(Arrays.equals(net.forward(x, Trace.OFF).toArray(), shared), model + ": a second forward differs");
                own.forEach(Tensor::close);
            }
        }
    }

    @Test
    void aTimingTraceSplitsTheForwardByLayerKind() {
        try (ConvCL cl = ConvCL.open("java"); Network net = Network.resnet50(cl, 1, Weights.random(1));
             Tensor x = cl.tensor(new float[3 * 224 * 224], net.inputShape())) {
            Trace t = Trace.timing(cl);
            net.forward(x, t);
            assertEquals(List.of("conv 7x7", "max-pool", "conv 1x1", "conv 3x3", "avg-pool"), List.copyOf(t.millis().keySet()));
            assertEquals(53 + 1, net.convolutions().size(), "53 convolutions and the classifier");
        }
    }
}
