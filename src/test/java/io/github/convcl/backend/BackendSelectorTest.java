// Backend choice: preference order, forced kinds, device by index or name, and the reasons given.
package io.github.convcl.backend;

import io.github.convcl.plan.BackendKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackendSelectorTest {
    static final Candidate GPU0 = Candidate.available(BackendKind.OPENCL_GPU, "NVIDIA H100 (NVIDIA CUDA, platform 1)", settings -> null);
    static final Candidate GPU1 = Candidate.available(BackendKind.OPENCL_GPU, "Radeon Pro (AMD APP, platform 2)", settings -> null);
    static final Candidate POCL = Candidate.available(BackendKind.OPENCL_CPU, "pthread-haswell (Portable Computing Language, platform 0)", settings -> null);
    static final Candidate JAVA = Candidate.available(BackendKind.JAVA, "Java 17", settings -> null);
    static final Candidate JAVA_VECTOR = Candidate.java("Java 17, 2 cores", settings -> null, true);
    static final Candidate NO_GPU = Candidate.unavailable(BackendKind.OPENCL_GPU, "no OpenCL GPU device");
    static final Candidate NO_LIB_GPU = Candidate.unavailable(BackendKind.OPENCL_GPU, "the OpenCL library could not be loaded");
    static final Candidate NO_LIB_CPU = Candidate.unavailable(BackendKind.OPENCL_CPU, "the OpenCL library could not be loaded");

    @Test
    void autoPrefersGpuThenCpuThenJava() {
        assertEquals(GPU0, BackendSelector.select(BackendRequest.AUTO, List.of(GPU0, POCL, JAVA)).chosen());
        assertEquals(POCL, BackendSelector.select(BackendRequest.AUTO, List.of(NO_GPU, POCL, JAVA)).chosen());
        BackendSelector.Selection s = BackendSelector.select(BackendRequest.AUTO, List.of(NO_LIB_GPU, NO_LIB_CPU, JAVA));
        assertEquals(JAVA, s.chosen());
        assertTrue(s.notChosen().get(0).contains("could not be loaded"), s.notChosen().toString());
    }

    /** On the CPU the Java backend's vector kernels beat an OpenCL CPU device; its portable kernels do not. */
    @Test
    void autoPrefersTheJavaVectorKernelsToAnOpenClCpuDevice() {
        BackendSelector.Selection s = BackendSelector.select(BackendRequest.AUTO, List.of(NO_GPU, POCL, JAVA_VECTOR));
        assertEquals(JAVA_VECTOR, s.chosen());
        assertTrue(s.reason().contains("vector kernels are faster"), s.reason());
        assertTrue(s.notChosen().stream().anyMatch(n -> n.startsWith("opencl-cpu") && n.contains("slower than the Java backend")),
                s.notChosen().toString());
        assertEquals(GPU0, BackendSelector.select(BackendRequest.AUTO, List.of(GPU0, POCL, JAVA_VECTOR)).chosen());
        assertEquals(POCL, BackendSelector.select(BackendRequest.AUTO, List.of(NO_GPU, POCL, JAVA)).chosen());
        assertEquals(POCL, BackendSelector.select(BackendRequest.parse("opencl-cpu"), List.of(NO_GPU, POCL, JAVA_VECTOR)).chosen());
    }

    @Test
    void platformZeroIsNotAssumed() {
        // PoCL is platform 0 on the GPU machine; the GPU on platform 1 must still win.
        assertEquals(GPU0, BackendSelector.select(BackendRequest.AUTO, List.of(GPU0, POCL, JAVA)).chosen());
    }

    @Test
    void forcedKindAndDeviceByIndexOrName() {
        List<Candidate> all = List.of(GPU0, GPU1, POCL, JAVA);
        assertEquals(JAVA, BackendSelector.select(BackendRequest.parse("java"), all).chosen());
        assertEquals(POCL, BackendSelector.select(BackendRequest.parse("opencl-cpu"), all).chosen());
        assertEquals(GPU1, BackendSelector.select(BackendRequest.parse("opencl-gpu:1"), all).chosen());
        assertEquals(GPU1, BackendSelector.select(BackendRequest.parse("opencl-gpu:radeon"), all).chosen());
        assertThrows(BackendUnavailableException.class, () -> BackendSelector.select(BackendRequest.parse("opencl-gpu:5"), all));
        assertThrows(BackendUnavailableException.class, () -> BackendSelector.select(BackendRequest.parse("opencl-gpu:intel"), all));
    }

    @Test
    void forcedUnavailableKindSaysWhy() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> BackendSelector.select(BackendRequest.parse("opencl-gpu"), List.of(NO_LIB_GPU, NO_LIB_CPU, JAVA)));
        assertTrue(e.getMessage().contains("could not be loaded"), e.getMessage());
    }

    @Test
    void requestsParse() {
        assertTrue(BackendRequest.parse(null).isAuto());
        assertTrue(BackendRequest.parse("auto").isAuto());
        assertEquals(new BackendRequest(BackendKind.OPENCL_CPU, "0"), BackendRequest.parse("OpenCL-CPU:0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendRequest.parse("cuda"));
        assertTrue(e.getMessage().contains("backend=cuda"), e.getMessage());
    }
}
