// convcl autoencoder: trains the seed's transposed-convolution autoencoder on Fashion-MNIST, every tensor on the device.
package io.github.convcl.cli;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.nn.Autoencoder;
import io.github.convcl.nn.FashionMnist;
import io.github.convcl.spec.AdamStep;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "autoencoder", mixinStandardHelpOptions = true,
        description = "Trains the seed's autoencoder, Conv2d(1,1,3) -> MaxPool2d(2,2) with indices -> MaxUnpool2d(2,2) -> "
                + "ConvTranspose2d(1,1,3), on Fashion-MNIST with the MSE loss and Adam, forward, backward and update on the "
                + "device. Prints the loss every 100 steps and the training images per second, writes a PNG of originals "
                + "over reconstructions and prints the learned kernels.")
final class AutoencoderCommand implements Callable<Integer> {
    private static final int REPORT_EVERY = 100;
    private static final int SHOWN = 10;

    @Option(names = {"-b", "--backend"}, description = "auto (default), opencl-gpu[:dev], opencl-cpu[:dev] or java")
    String backend;

    @Option(names = "--steps", defaultValue = "600", description = "training steps (default 600: one pass over the 60,000 images)")
    int steps;

    @Option(names = "--batch", defaultValue = "100", description = "images per step (default 100)")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam's learning rate (default 0.001)")
    double lr;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the initial weights (PyTorch's default initialisation)")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "threads of the Java backend (default: convcl.threads, else one per core)")
    Integer threads;

    @Option(names = "--data", paramLabel = "DIR", description = "folder of Fashion-MNIST's IDX files (default: "
            + "/usr/share/datasets/fashion-mnist, from the Debian package dataset-fashion-mnist)")
    Path data = FashionMnist.DEBIAN;

    @Option(names = "--png", paramLabel = "FILE", defaultValue = "autoencoder.png", description = "where to write originals "
            + "(top row) over reconstructions (default autoencoder.png)")
    Path png;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("--steps " + steps + " and --batch " + batch + " must be positive");
        }
        if (threads != null) {
            JavaBackend.setThreads(threads);
        }
        FashionMnist images = FashionMnist.train(data);
        try (ConvCL cl = backend == null ? ConvCL.open() : ConvCL.open(backend);
             Autoencoder net = Autoencoder.seed(cl, batch, images.rows(), images.cols(), Autoencoder.defaultInit(seed, 1, 1, 3),
                     AdamStep.defaults(lr));
             Tensor x = cl.empty(net.inputShape())) {
            System.out.printf("backend: %s on %s; %d images of %dx%d, batch %d, Adam lr %s%n", cl.backendKind().id(), cl.device(),
                    images.count(), images.rows(), images.cols(), batch, lr);
            print("initial", net.weights());
            float[] pixels = new float[batch * images.rows() * images.cols()];
            long trainNanos = 0;
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(steps)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                for (int s = 0; s < steps; s++) {
                    long t0 = System.nanoTime();
                    x.write(images.batch(s * batch, batch, pixels));
                    net.step(x);
                    if ((s + 1) % REPORT_EVERY == 0 || s == steps - 1) {
                        float loss = net.loss(); // waits for the step
                        trainNanos += System.nanoTime() - t0;
                        bar.pause();
                        System.out.printf(Locale.ROOT, "step %5d  loss %.6f%n", s + 1, loss);
                        bar.resume();
                    } else {
                        cl.finish();
                        trainNanos += System.nanoTime() - t0;
                    }
                    bar.step();
                }
            }
            System.out.printf(Locale.ROOT, "%.0f training images/s (%d steps of %d, each batch's upload included)%n",
                    (double) steps * batch / (trainNanos / 1e9), steps, batch);
            print("learned", net.weights());
            x.write(images.batch(0, batch, pixels));
            float[] out = net.reconstruct(x).toArray();
            writePng(png, pixels, out, Math.min(SHOWN, batch), images.rows(), images.cols());
            System.out.println("wrote " + png.toAbsolutePath() + ": the first " + Math.min(SHOWN, batch) + " images over their reconstructions");
        }
        return 0;
    }

    /** The conv and transposed-conv kernels: after training they are not transposes (flips) of each other. */
    private static void print(String when, Autoencoder.Weights w) {
        System.out.println(when + " conv kernel (bias " + fmt(w.convBias()[0]) + "):");
        printKernel(w.convWeight());
        System.out.println(when + " transposed-conv kernel (bias " + fmt(w.unconvBias()[0]) + "):");
        printKernel(w.unconvWeight());
    }

    private static void printKernel(float[] k) {
        int side = (int) Math.round(Math.sqrt(k.length));
        for (int r = 0; r < side; r++) {
            StringBuilder line = new StringBuilder("  ");
            for (int c = 0; c < side; c++) {
                line.append(String.format(Locale.ROOT, "%10s", fmt(k[r * side + c])));
            }
            System.out.println(line);
        }
    }

    private static String fmt(float v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static void writePng(Path file, float[] originals, float[] reconstructions, int n, int rows, int cols) throws java.io.IOException {
        BufferedImage img = new BufferedImage(n * cols, 2 * rows, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int at = (i * rows + r) * cols + c;
                    img.getRaster().setSample(i * cols + c, r, 0, gray(originals[at]));
                    img.getRaster().setSample(i * cols + c, rows + r, 0, gray(reconstructions[at]));
                }
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static int gray(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }
}
