// The options that pick a suite's layers and a backend, shared by bench and tune.
package io.github.convcl.cli;

import io.github.convcl.ConvCL;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** A picocli mixin: {@code --suite FILE [-b B] [--batch gpu|cpu] [--layers a,b]}. */
final class SuiteOptions {
    @Option(names = "--suite", required = true, paramLabel = "FILE", description = "suite.json (shared/bench/suite.json)")
    Path suite;

    @Option(names = {"-b", "--backend"}, description = "auto (default), opencl-gpu[:dev], opencl-cpu[:dev] or java")
    String backend;

    @Option(names = "--batch", defaultValue = "cpu", description = "gpu or cpu: which batch of the suite")
    String batch;

    @Option(names = "--layers", split = ",", description = "only these layers")
    List<String> only;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 (default) or tf32 (tensor cores may round inputs to TF32)")
    String precision;

    /** The suite's layers at the chosen batch, filtered by --layers, with TF32 precision when it was chosen. */
    List<Suite.Layer> layers() throws IOException {
        List<Suite.Layer> layers = new ArrayList<>(Suite.load(suite, batch));
        if (only != null && !only.isEmpty()) {
            List<String> known = layers.stream().map(Suite.Layer::name).toList();
            List<String> unknown = only.stream().filter(n -> !known.contains(n)).toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("--layers " + String.join(",", unknown) + ": not in " + suite + "; its layers: "
                        + String.join(", ", known));
            }
            layers.removeIf(l -> !only.contains(l.name()));
        }
        io.github.convcl.spec.Precision p = precision();
        if (p != io.github.convcl.spec.Precision.FP32) {
            layers.replaceAll(l -> new Suite.Layer(l.name(), l.spec().withPrecision(p), l.why()));
        }
        return layers;
    }

    /** The chosen precision. */
    io.github.convcl.spec.Precision precision() {
        return io.github.convcl.spec.Precision.parse(precision);
    }

    /** The runtime on the chosen backend, at the chosen precision. */
    ConvCL open() {
        io.github.convcl.spec.Precision p = precision();
        return (backend == null ? ConvCL.open() : ConvCL.open(backend)).precision(p);
    }
}
