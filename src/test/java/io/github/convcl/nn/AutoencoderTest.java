package io.github.convcl.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.TestSupport;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.golden.TrainingReplay;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.spec.AdamStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The seed's autoencoder: the recorded PyTorch run replayed on Java and OpenCL, and training that converges alike on both. */
class AutoencoderTest {
    /** The recorded run (../shared/golden-train), on Fashion-MNIST; CI installs the data and requires it. */
    @Test
    void theRecordedTrainingRunReplaysOnEveryBackend() throws Exception {
        Path dir = TestSupport.goldenDir().resolveSibling("golden-train");
        Assumptions.assumeTrue(TrainingReplay.isTrainingDir(dir), "no golden-train at " + dir);
        boolean data = Files.isRegularFile(FashionMnist.DEBIAN.resolve(FashionMnist.TRAIN_IMAGES));
        if (TestSupport.openClRequired()) {
            assertTrue(data, "Fashion-MNIST is required here: apt-get install dataset-fashion-mnist");
        }
        Assumptions.assumeTrue(data, "Fashion-MNIST is not installed");
        TrainingReplay run = TrainingReplay.load(dir);
        List<String> failed = new java.util.ArrayList<>();
        int before = JavaBackend.threads();
        try (ConvCL cl = ConvCL.on(new JavaBackend())) {
            for (int t = 1; t <= 2; t++) {
                JavaBackend.setThreads(t);
                check(run.run(cl, FashionMnist.DEBIAN), failed, "java " + t);
            }
        } finally {
            JavaBackend.setThreads(before);
        }
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            check(run.run(cl, FashionMnist.DEBIAN), failed, "opencl-cpu");
        }
        assertEquals(List.of(), failed);
    }

    private static void check(List<GoldenRunner.Result> results, List<String> failed, String where) {
        assertEquals(5, results.size(), where);
        for (GoldenRunner.Result r : results) {
            if (!r.passed()) {
                failed.add(where + " " + r.name() + ": " + r.detail());
            }
        }
    }

    /** Without the data: smooth random images, 40 steps; the loss falls, the same bits run to run, and OpenCL agrees. */
    @Test
    void trainingConvergesAndTheBackendsAgree() {
        int batch = 8;
        float[][] images = new float[40][batch * 16 * 16];
        Random r = new Random(3);
        for (float[] img : images) {
            for (int i = 0; i < img.length; i++) {
                int x = i % 16;
                int y = (i / 16) % 16;
                img[i] = (float) Math.max(0, Math.sin(x * 0.4 + r.nextDouble()) * Math.cos(y * 0.3));
            }
        }
        Autoencoder.Weights init = Autoencoder.defaultInit(9, 1, 1, 3);
        float[] java = losses(ConvCL.on(new JavaBackend()), images, batch, init);
        float[] again = losses(ConvCL.on(new JavaBackend()), images, batch, init);
        for (int s = 0; s < java.length; s++) {
            assertEquals(Float.floatToIntBits(java[s]), Float.floatToIntBits(again[s]), "step " + s + " run to run");
        }
        assertTrue(java[java.length - 1] < 0.7 * java[0], "the loss falls: " + java[0] + " -> " + java[java.length - 1]);
        float[] cl = losses(TestSupport.openOrSkip("opencl-cpu"), images, batch, init);
        for (int s = 0; s < java.length; s++) {
            assertEquals(java[s], cl[s], 1e-4 * java[s], "step " + s + ": Java against OpenCL");
        }
    }

    private static float[] losses(ConvCL cl, float[][] images, int batch, Autoencoder.Weights init) {
        float[] losses = new float[images.length];
        try (cl; Autoencoder net = Autoencoder.seed(cl, batch, 16, 16, init, AdamStep.defaults(0.01)); Tensor x = cl.empty(net.inputShape())) {
            for (int s = 0; s < images.length; s++) {
                x.write(images[s]);
                net.step(x);
                losses[s] = net.loss();
            }
            assertEquals(images.length, net.steps());
        }
        return losses;
    }
}
