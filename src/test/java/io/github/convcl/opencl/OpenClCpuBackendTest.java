// The contract on an OpenCL CPU device (PoCL in CI, where it must run, not skip).
package io.github.convcl.opencl;

import io.github.convcl.BackendContract;
import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;

class OpenClCpuBackendTest extends BackendContract {
    @Override
    protected ConvCL open() {
        return TestSupport.openOrSkip("opencl-cpu");
    }
}
