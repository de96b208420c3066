// The contract on the pure-Java backend.
package io.github.convcl.jvm;

import io.github.convcl.BackendContract;
import io.github.convcl.ConvCL;

class JavaBackendTest extends BackendContract {
    @Override
    protected ConvCL open() {
        return ConvCL.open("java");
    }
}
