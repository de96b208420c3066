// convcl shape: output shape, parameters, FLOPs and receptive field of layers, without running them.
package io.github.convcl.cli;

import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Costs;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import io.github.convcl.spec.Shapes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "shape", mixinStandardHelpOptions = true,
        description = {"Shape and cost calculator: output shape, parameters, FLOPs and receptive field.",
                "Either one layer (--op, --input, --out-channels, --kernel, ...) or every layer of a suite file (--suite)."})
final class ShapeCommand implements Callable<Integer> {
    @Option(names = "--op", description = "conv1d|conv2d|conv3d|conv_transpose1d|conv_transpose2d|conv_transpose3d", defaultValue = "conv2d")
    String op;

    @Option(names = "--input", paramLabel = "N,C,...", description = "input shape, e.g. 1,3,224,224")
    String input;

    @Option(names = "--out-channels", paramLabel = "C")
    Integer outChannels;

    @Option(names = "--kernel", paramLabel = "K", description = "kernel size: one value or one per dimension")
    String kernel;

    @Option(names = "--stride", defaultValue = "1")
    String stride;

    @Option(names = "--padding", defaultValue = "0", description = "ints, 'same' or 'valid'")
    String padding;

    @Option(names = "--dilation", defaultValue = "1")
    String dilation;

    @Option(names = "--output-padding", defaultValue = "0")
    String outputPadding;

    @Option(names = "--output-size", description = "transposed only: the output size wanted (derives output_padding)")
    String outputSize;

    @Option(names = "--groups", defaultValue = "1")
    int groups;

    @Option(names = "--padding-mode", defaultValue = "zeros", description = "zeros|reflect|replicate|circular")
    String paddingMode;

    @Option(names = "--no-bias", description = "the layer has no bias")
    boolean noBias;

    @Option(names = "--suite", paramLabel = "FILE", description = "every layer of a benchmark suite, with totals")
    Path suite;

    @Option(names = "--batch", defaultValue = "cpu", description = "with --suite: gpu or cpu batch")
    String batch;

    @Override
    public Integer call() throws Exception {
        List<String[]> rows = new ArrayList<>();
        List<ConvSpec> specs = new ArrayList<>();
        if (suite != null) {
            for (Suite.Layer l : Suite.load(suite, batch)) {
                specs.add(l.spec());
                rows.add(row(l.name(), l.spec()));
            }
        } else {
            if (input == null || outChannels == null || kernel == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "one layer needs --input, --out-channels and --kernel (or use --suite)");
            }
            ConvSpec.Builder b = ConvSpec.forOp(op).input(Shapes.parseInts("input", input)).outChannels(outChannels)
                    .kernel(Shapes.parseInts("kernel", kernel)).stride(Shapes.parseInts("stride", stride))
                    .padding(Padding.parse(padding)).dilation(Shapes.parseInts("dilation", dilation)).groups(groups)
                    .paddingMode(PaddingMode.parse(paddingMode)).bias(!noBias);
            if (op.startsWith("conv_transpose")) {
                b.outputPadding(Shapes.parseInts("output_padding", outputPadding));
                if (outputSize != null) {
                    b.outputSize(Shapes.parseInts("output_size", outputSize));
                }
            }
            ConvSpec s = b.build();
            specs.add(s);
            rows.add(row(s.op(), s));
        }
        System.out.printf("%-16s %-22s %-22s %14s %16s %12s%n", "layer", "input", "output", "params", "FLOPs", "receptive");
        for (String[] r : rows) {
            System.out.printf("%-16s %-22s %-22s %14s %16s %12s%n", (Object[]) r);
        }
        if (specs.size() > 1) {
            Costs total = Costs.of(specs);
            System.out.printf("%-16s %-22s %-22s %14d %16d%n", "total", "", "", total.parameters(), total.flops());
        }
        return 0;
    }

    private static String[] row(String name, ConvSpec s) {
        return new String[] {name, compact(s.inputShape()), compact(s.outputShape()), Long.toString(s.parameters()),
                Long.toString(s.flops()), compact(s.receptiveField())};
    }

    static String compact(int[] a) {
        return Arrays.toString(a).replace(" ", "");
    }
}
