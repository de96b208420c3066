// The contract on an OpenCL GPU, where one exists.
package io.github.convcl.opencl;

import io.github.convcl.BackendContract;
import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;

class OpenClGpuBackendTest extends BackendContract {
    @Override
    protected ConvCL open() {
        return TestSupport.openOrSkip("opencl-gpu");
    }
}
