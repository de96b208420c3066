// Sets an OpenCL kernel's arguments in order.
package io.github.convcl.opencl;

import static org.jocl.CL.clSetKernelArg;

import io.github.convcl.backend.DeviceBuffer;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/** Sets a kernel's arguments in order. */
final class KernelArgs {
    final cl_kernel kernel;
    int index;

    /** Moves the next argument position to {@code i} (to reset a trailing argument between launches). */
    KernelArgs at(int i) {
        index = i;
        return this;
    }

    KernelArgs(cl_kernel kernel) {
        this.kernel = kernel;
    }

    KernelArgs mem(DeviceBuffer b) {
        clSetKernelArg(kernel, index++, Sizeof.cl_mem, Pointer.to(ClContext.mem(b)));
        return this;
    }

    KernelArgs i(int v) {
        clSetKernelArg(kernel, index++, Sizeof.cl_int, Pointer.to(new int[] {v}));
        return this;
    }

    KernelArgs f(float v) {
        clSetKernelArg(kernel, index++, Sizeof.cl_float, Pointer.to(new float[] {v}));
        return this;
    }

    /** The trailing EPI_PARAMS of a convolution kernel (common.cl): the epilogue's buffers, ep and the slope. */
    KernelArgs epilogue(Launcher.Operands o) {
        mem(o.scale()).mem(o.shift()).mem(o.residual());
        int[] ep = o.ep();
        clSetKernelArg(kernel, index++, Sizeof.cl_int4, Pointer.to(new int[] {ep[0], ep[1], ep[2], ep[3]}));
        return f(o.slope());
    }

    KernelArgs i4(int[] v3) {
        clSetKernelArg(kernel, index++, Sizeof.cl_int4, Pointer.to(new int[] {v3[0], v3[1], v3[2], 0}));
        return this;
    }
}
