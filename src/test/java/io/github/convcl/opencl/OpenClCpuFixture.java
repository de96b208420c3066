// The CPU OpenCL device (PoCL in CI) as a fixture: one runtime per test class, closed after its last test.
package io.github.convcl.opencl;

import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/** Base of the test classes that run kernels on the CPU OpenCL device; skipped where none exists (unless required). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OpenClCpuFixture {
    protected final ConvCL cl = TestSupport.openOrSkip("opencl-cpu");

    @AfterAll
    void closeRuntime() {
        cl.close();
    }
}
