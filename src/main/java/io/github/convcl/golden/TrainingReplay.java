// Replays a recorded training run (autoencoder.json, shared/README.md) and checks each step's loss and the final weights.
package io.github.convcl.golden;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.nn.Autoencoder;
import io.github.convcl.nn.FashionMnist;
import io.github.convcl.spec.AdamStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A directory holding {@code autoencoder.json}: the seed's autoencoder trained by PyTorch in float64 from given initial
 * weights on Fashion-MNIST in file order. The replay builds the same network from the initial arrays' shapes (channels
 * and kernel), takes the batch, step count, Adam's hyper-parameters and the pool size from the file, trains on the
 * runtime's backend, and judges each step's loss and each final array by the file's tolerances.
 */
public final class TrainingReplay {
    /** The file that marks a training directory. */
    public static final String FILE = "autoencoder.json";

    private static final String[] PARAMETERS = {"conv1.weight", "conv1.bias", "unconv1.weight", "unconv1.bias"};

    private final Path dir;
    private final JsonNode root;
    private final int batch;
    private final int steps;
    private final double[] losses;
    private final double lossTolerance;
    private final double weightTolerance;
    private final AdamStep hyper;
    private final int poolSize;

    private TrainingReplay(Path dir, JsonNode root) throws IOException {
        this.dir = dir;
        this.root = root;
        this.batch = positive(root, "batch");
        this.steps = positive(root, "steps");
        JsonNode list = root.path("loss_before_step");
        if (!list.isArray() || list.size() != steps) {
            throw new IOException(dir.resolve(FILE) + ": loss_before_step must list one loss per step (" + steps + "), it has " + list.size());
        }
        this.losses = new double[steps];
        for (int i = 0; i < steps; i++) {
            losses[i] = list.get(i).asDouble();
        }
        this.lossTolerance = root.path("loss_relative_tolerance").asDouble(1e-4);
        this.weightTolerance = root.path("final_weight_tolerance").asDouble(1e-3);
        String network = root.path("network").asText("");
        this.hyper = new AdamStep(number(root, network, "lr", 1e-3), betas(root, network)[0], betas(root, network)[1],
                number(root, network, "eps", 1e-8), number(root, network, "weight_decay", 0), 1);
        Matcher pool = Pattern.compile("MaxPool2d\\((\\d+)").matcher(network);
        this.poolSize = root.has("pool") ? root.get("pool").asInt() : pool.find() ? Integer.parseInt(pool.group(1)) : 2;
    }

    /** Whether {@code dir} holds a recorded training run rather than golden cases. */
    public static boolean isTrainingDir(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE)) || (Files.isRegularFile(dir) && dir.getFileName().toString().equals(FILE));
    }

    public static TrainingReplay load(Path dir) throws IOException {
        Path base = Files.isDirectory(dir) ? dir : dir.toAbsolutePath().getParent();
        return new TrainingReplay(base, GoldenSuite.readJson(base.resolve(FILE)));
    }

    public int steps() {
        return steps;
    }

    /**
     * Trains on {@code cl} with images from {@code data} (the folder of Fashion-MNIST's IDX files): one result for the
     * losses of every step, one per final array.
     */
    public List<GoldenRunner.Result> run(ConvCL cl, Path data) throws IOException {
        FashionMnist images = FashionMnist.train(data);
        Autoencoder.Weights init = new Autoencoder.Weights(array("init", 0).data(), array("init", 1).data(), array("init", 2).data(),
                array("init", 3).data());
        int[] convShape = array("init", 0).shape();
        if (convShape.length != 4 || convShape[2] != convShape[3]) {
            throw new IOException(dir.resolve(FILE) + ": init.conv1.weight must be (hidden, channels, k, k), it is "
                    + java.util.Arrays.toString(convShape));
        }
        List<GoldenRunner.Result> results = new ArrayList<>();
        float[] pixels = new float[batch * images.rows() * images.cols() * convShape[1]];
        try (Autoencoder net = new Autoencoder(cl, batch, images.rows(), images.cols(), convShape[1], convShape[0], convShape[2], init,
                poolSize, hyper);
             Tensor x = cl.empty(net.inputShape())) {
            double worst = 0;
            int worstStep = 0;
            for (int s = 0; s < steps; s++) {
                x.write(images.batch(s * batch, batch, pixels));
                net.step(x);
                double rel = Math.abs(net.loss() - losses[s]) / Math.abs(losses[s]);
                if (!(rel <= worst)) {
                    worst = rel;
                    worstStep = s;
                }
            }
            boolean lossesPass = worst <= lossTolerance;
            results.add(new GoldenRunner.Result("autoencoder loss, " + steps + " steps", lossesPass, String.format(
                    "max relative error %.3g at step %d (tolerance %.3g)", worst, worstStep, lossTolerance)));
            Autoencoder.Weights last = net.weights();
            float[][] trained = {last.convWeight(), last.convBias(), last.unconvWeight(), last.unconvBias()};
            for (int i = 0; i < PARAMETERS.length; i++) {
                float[] expected = array("final", i).data();
                double max = 1;
                double err = 0;
                for (int j = 0; j < expected.length; j++) {
                    max = Math.max(max, Math.abs(expected[j]));
                    err = Math.max(err, Math.abs(trained[i][j] - expected[j]));
                    if (Float.isNaN(trained[i][j])) {
                        err = Double.NaN;
                    }
                }
                double bound = weightTolerance * max;
                results.add(new GoldenRunner.Result("autoencoder final " + PARAMETERS[i], err <= bound,
                        String.format("max abs error %.3g (tolerance %.3g)", err, bound)));
            }
        }
        return results;
    }

    private Npy array(String stage, int parameter) throws IOException {
        String key = stage + "." + PARAMETERS[parameter];
        JsonNode name = root.path("arrays").path(key);
        return Npy.read(dir.resolve(name.isTextual() ? name.asText() : key + ".npy"));
    }

    private int positive(JsonNode root, String field) throws IOException {
        JsonNode v = root.path(field);
        if (!v.canConvertToInt() || v.asInt() < 1) {
            throw new IOException(dir.resolve(FILE) + ": '" + field + "' must be a positive integer, it is " + v);
        }
        return v.asInt();
    }

    /** A hyper-parameter: its own numeric field, else {@code name=value} in the network's description, else the default. */
    private static double number(JsonNode root, String network, String name, double fallback) {
        if (root.path(name).isNumber()) {
            return root.get(name).asDouble();
        }
        Matcher m = Pattern.compile("\\b" + name + "=([0-9.eE+-]+)").matcher(network);
        return m.find() ? Double.parseDouble(m.group(1)) : fallback;
    }

    private static double[] betas(JsonNode root, String network) {
        JsonNode b = root.path("betas");
        if (b.isArray() && b.size() == 2) {
            return new double[] {b.get(0).asDouble(), b.get(1).asDouble()};
        }
        Matcher m = Pattern.compile("betas=\\(([0-9.eE+-]+),\\s*([0-9.eE+-]+)\\)").matcher(network);
        return m.find() ? new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))} : new double[] {0.9, 0.999};
    }
}
