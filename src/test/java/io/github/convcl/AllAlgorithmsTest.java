// Every algorithm that claims a shape computes it correctly: golden and random cases, forced per plan.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.convcl.backend.Backend;
import io.github.convcl.golden.GoldenCase;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.golden.GoldenSuite;
import io.github.convcl.golden.Npy;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AllAlgorithmsTest {
    private final List<Backend> backends = new ArrayList<>();

    AllAlgorithmsTest() {
        backends.add(new JavaBackend());
        backends.addAll(TestSupport.openClBackends());
    }

    @AfterAll
    void close() {
        backends.forEach(Backend::close);
    }

    private static List<Plan> plans(Backend b, ConvSpec s) {
        return TestSupport.testedPlans(b, s);
    }

    private static float[] run(Backend b, Plan plan, ConvSpec s, float[] x, float[] w, float[] bias) {
        return b.convolveArrays(s, plan, x, w, bias);
    }

    @TestFactory
    Stream<DynamicTest> goldenCasesOnEveryAlgorithm() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (GoldenCase c : GoldenSuite.load(TestSupport.goldenDir())) {
            if (c.expectError() != null) {
                continue;
            }
            ConvSpec s = c.spec();
            Npy x = c.input();
            Npy w = c.weight();
            Npy bias = c.bias();
            Npy expected = c.expected();
            for (Backend b : backends) {
                for (Plan p : plans(b, s)) {
                    tests.add(dynamicTest(c.name() + " [" + b.kind().id() + " " + p + "]", () -> {
                        float[] y = run(b, p, s, x.data(), w.data(), bias == null ? null : bias.data());
                        GoldenRunner.Result r = GoldenRunner.compare(c.name(), y, expected.data(), c.tolerance());
                        assertTrue(r.passed(), r.detail());
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> randomLayersOnEveryAlgorithm() {
        RandomSpecs random = new RandomSpecs(99, 2_000_000);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            ConvSpec s = random.next();
            float[] x = random.data(s.inputElements());
            float[] w = random.data(s.weightElements());
            float[] bias = s.hasBias() ? random.data(s.outChannels()) : null;
            double[] ref = Reference.convolve(s, x, w, bias);
            for (Backend b : backends) {
                for (Plan p : plans(b, s)) {
                    tests.add(dynamicTest(s + " [" + b.kind().id() + " " + p + "]",
                            () -> TestSupport.assertClose(s.toString(), run(b, p, s, x, w, bias), ref)));
                }
            }
        }
        return tests.stream();
    }
}
