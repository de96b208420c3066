// convcl verify: runs a directory of golden cases on every backend and reports N passed, M failed.
package io.github.convcl.cli;

import io.github.convcl.ConvCL;
import io.github.convcl.golden.GoldenCase;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.golden.GoldenSuite;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Runs every golden case of DIR (cases.json, shared/README.md format) on every available backend, "
                + "or on those named; a DIR holding blocks.json runs its network blocks (bottleneck, inception), one holding "
                + "autoencoder.json replays its recorded training run; ends with "
                + "'N passed, M failed'. Exit 1 if anything failed.")
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "directory holding cases.json (or autoencoder.json) and its .npy files")
    Path dir;

    @Option(names = {"-b", "--backend"}, paramLabel = "B", description = "opencl-gpu[:dev], opencl-cpu[:dev] or java; repeatable")
    List<String> backends;

    @Option(names = {"-q", "--quiet"}, description = "print only failures and the closing line")
    boolean quiet;

    @Option(names = "--all-plans", description = "also run every case that must run with every algorithm and tiling the "
            + "backend offers for it, not only the planner's choice (each counts as a case)")
    boolean allPlans;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 (default) or tf32: the runtime's precision; "
            + "tf32 cases are judged by the TF32 bound (see docs/precision.md)")
    String precision;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST's folder for a training replay "
            + "(default: /usr/share/datasets/fashion-mnist, from the Debian package dataset-fashion-mnist)")
    Path data = io.github.convcl.nn.FashionMnist.DEBIAN;

    @Override
    public Integer call() throws Exception {
        io.github.convcl.spec.Precision prec = io.github.convcl.spec.Precision.parse(precision);
        if (io.github.convcl.golden.TrainingReplay.isTrainingDir(dir)) {
            io.github.convcl.golden.TrainingReplay run = io.github.convcl.golden.TrainingReplay.load(dir);
            return onEveryTarget(prec, cl -> run.run(cl, data));
        }
        if (io.github.convcl.golden.BlockCases.isBlocksDir(dir)) {
            io.github.convcl.golden.BlockCases blocks = io.github.convcl.golden.BlockCases.load(dir);
            return onEveryTarget(prec, cl -> blocks.run(cl, allPlans));
        }
        List<GoldenCase> cases = GoldenSuite.load(dir);
        return onEveryTarget(prec, cl -> {
            List<GoldenRunner.Result> results = new java.util.ArrayList<>();
            for (GoldenCase c : cases) {
                results.add(GoldenRunner.run(c, cl));
                if (allPlans && c.expectError() == null) {
                    results.addAll(GoldenRunner.runEveryPlan(c, cl.backend(), prec));
                }
            }
            return results;
        });
    }

    /** What one backend's runtime checks. */
    private interface Check {
        List<GoldenRunner.Result> on(ConvCL cl) throws Exception;
    }

    /** Runs {@code check} on every target backend, prints each result (failures only with --quiet) and the tally. */
    private int onEveryTarget(io.github.convcl.spec.Precision prec, Check check) throws Exception {
        int passed = 0;
        int failed = 0;
        for (Runtimes.Target t : Runtimes.targets(backends)) {
            if (t.candidate() == null) {
                System.out.println("FAIL [" + t.name() + "] backend unavailable: " + t.unavailable());
                failed++;
                continue;
            }
            try (ConvCL cl = t.open().precision(prec)) {
                for (GoldenRunner.Result r : check.on(cl)) {
                    if (r.passed()) {
                        passed++;
                    } else {
                        failed++;
                    }
                    if (!quiet || !r.passed()) {
                        System.out.printf("%s %-32s [%s] %s%n", r.passed() ? "PASS" : "FAIL", r.name(), t.name(), r.detail());
                    }
                }
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
