// convcl demo: the README's main job. Runs layers of the target networks and checks them against Java.
package io.github.convcl.cli;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Costs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs an Inception block, a ResNet bottleneck, a depthwise-separable block, a transposed-convolution "
                + "up-sampler and a 3D convolution on the chosen backend, checks each against the Java backend, "
                + "and prints shapes, parameters, FLOPs and times.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-b", "--backend"}, description = "auto (default), opencl-gpu[:dev], opencl-cpu[:dev] or java")
    String backend;

    @Option(names = "--repeats", defaultValue = "3", description = "timed runs per layer (median)")
    int repeats;

    record Layer(String block, String name, ConvSpec spec) {
    }

    static List<Layer> layers() {
        List<Layer> l = new ArrayList<>();
        int[] x28 = {1, 192, 28, 28};
        l.add(new Layer("inception", "1x1 192->64", ConvSpec.conv(2).input(x28).outChannels(64).kernel(1).build()));
        l.add(new Layer("inception", "1x1 192->96", ConvSpec.conv(2).input(x28).outChannels(96).kernel(1).build()));
        l.add(new Layer("inception", "3x3 96->128", ConvSpec.conv(2).input(1, 96, 28, 28).outChannels(128).kernel(3).padding(1).build()));
        l.add(new Layer("inception", "1x1 192->16", ConvSpec.conv(2).input(x28).outChannels(16).kernel(1).build()));
        l.add(new Layer("inception", "5x5 16->32", ConvSpec.conv(2).input(1, 16, 28, 28).outChannels(32).kernel(5).padding(2).build()));
        l.add(new Layer("inception", "pool 1x1 192->32", ConvSpec.conv(2).input(x28).outChannels(32).kernel(1).build()));
        l.add(new Layer("resnet", "1x1 256->64", ConvSpec.conv(2).input(1, 256, 56, 56).outChannels(64).kernel(1).bias(false).build()));
        l.add(new Layer("resnet", "3x3 64->64", ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(64).kernel(3).padding(1).bias(false).build()));
        l.add(new Layer("resnet", "1x1 64->256", ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(256).kernel(1).bias(false).build()));
        l.add(new Layer("mobilenet", "dw 3x3 s2 32", ConvSpec.conv(2).input(1, 32, 112, 112).outChannels(32).kernel(3).stride(2).padding(1).groups(32).build()));
        l.add(new Layer("mobilenet", "pw 1x1 32->64", ConvSpec.conv(2).input(1, 32, 56, 56).outChannels(64).kernel(1).build()));
        l.add(new Layer("dcgan", "convT 4x4 s2 128->64", ConvSpec.convTranspose(2).input(1, 128, 16, 16).outChannels(64).kernel(4).stride(2).padding(1).build()));
        l.add(new Layer("c3d", "3x3x3 16->32", ConvSpec.conv(3).input(1, 16, 8, 28, 28).outChannels(32).kernel(3).padding(1).build()));
        return l;
    }

    @Override
    public Integer call() {
        int failed = 0;
        Random rnd = new Random(42);
        try (ConvCL cl = backend == null ? ConvCL.open() : ConvCL.open(backend);
             ConvCL jvm = ConvCL.on(new JavaBackend())) {
            System.out.println("backend: " + cl.backendKind().id() + " on " + cl.device());
            System.out.printf("%-10s %-22s %-18s %-18s %10s %12s %9s %9s  %-20s %s%n", "block", "layer", "input", "output",
                    "params", "MFLOPs", "ms", "GFLOP/s", "algorithm", "check");
            List<ConvSpec> specs = new ArrayList<>();
            for (Layer layer : layers()) {
                ConvSpec s = layer.spec();
                specs.add(s);
                float[] x = random(rnd, s.inputElements());
                float[] w = random(rnd, s.weightElements());
                float[] b = s.hasBias() ? random(rnd, s.outChannels()) : null;
                double ms;
                float[] y;
                try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape());
                     Tensor tb = b == null ? null : cl.tensor(b, s.biasShape()); Tensor ty = cl.empty(s.outputShape())) {
                    cl.conv(s, tx, tw, tb, ty);
                    cl.finish();
                    double[] times = new double[repeats];
                    for (int r = 0; r < repeats; r++) {
                        long t0 = System.nanoTime();
                        cl.conv(s, tx, tw, tb, ty);
                        cl.finish();
                        times[r] = (System.nanoTime() - t0) / 1e6;
                    }
                    java.util.Arrays.sort(times);
                    ms = times[repeats / 2];
                    y = ty.toArray();
                }
                float[] ref = jvm.convolve(s, x, w, b);
                GoldenRunner.Result r = GoldenRunner.compare(layer.name(), y, ref, 1e-4);
                if (!r.passed()) {
                    failed++;
                }
                System.out.printf("%-10s %-22s %-18s %-18s %10d %12.1f %9.3f %9.1f  %-20s %s%n", layer.block(), layer.name(),
                        ShapeCommand.compact(s.inputShape()), ShapeCommand.compact(s.outputShape()), s.parameters(),
                        s.flops() / 1e6, ms, s.flops() / ms / 1e6, cl.algorithm(s), r.passed() ? "ok" : "FAIL " + r.detail());
            }
            Costs total = Costs.of(specs);
            System.out.printf("total: %d parameters, %.1f MFLOPs; %d layer(s) failed the check against Java%n",
                    total.parameters(), total.flops() / 1e6, failed);
        }
        return failed == 0 ? 0 : 1;
    }

    static float[] random(Random rnd, long n) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
