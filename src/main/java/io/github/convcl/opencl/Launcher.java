// One kernel family's launches: what the OpenCL backend's dispatcher hands a plan to.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.opencl.ClContext.ClBuffer;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;

/**
 * Launches the kernels of one family for a plan the planner made: it sets arguments and launch geometry from the plan
 * and the layer, and decides nothing. Called with the context's lock held.
 */
interface Launcher {
    void run(ClLayer layer, Plan plan, Operands operands);

    /** A layer's sizes extended to three spatial dimensions (depth, height, width), as the kernels take them. */
    record ClLayer(ConvSpec spec, int[] in3, int[] out3, int[] k3, int[] st3, int[] dl3, int[] pd3, int total) {
        static ClLayer of(ConvSpec s) {
            return new ClLayer(s, ConvSpec.to3d(s.inputSize(), 1), ConvSpec.to3d(s.outputSize(), 1), ConvSpec.to3d(s.kernel(), 1),
                    ConvSpec.to3d(s.stride(), 1), ConvSpec.to3d(s.dilation(), 1), ConvSpec.to3d(s.padBefore(), 0),
                    Math.toIntExact(s.outputElements()));
        }
    }

    /**
     * The buffers of one call: {@code bias} is the context's empty buffer when {@code hasBias} is 0, and so are the
     * epilogue's buffers it does not read. {@code ep} and {@code slope} are the kernels' EPI_PARAMS values (common.cl):
     * activation code, parts (1 scale, 2 shift, 4 residual), the destination's channels and first channel.
     */
    record Operands(DeviceBuffer in, DeviceBuffer weight, ClBuffer bias, int hasBias, DeviceBuffer out, ClBuffer scale,
                    ClBuffer shift, ClBuffer residual, int[] ep, float slope) {
        /** A call without epilogue into the spec's own dense output {@code out} (channels {@code cout}). */
        static Operands plain(DeviceBuffer in, DeviceBuffer weight, ClBuffer bias, int hasBias, DeviceBuffer out, ClBuffer none, int cout) {
            return new Operands(in, weight, bias, hasBias, out, none, none, none, new int[] {0, 0, cout, 0}, 0f);
        }

        /** This call's buffers with another input, weight and output, storing the same way. */
        Operands with(DeviceBuffer in, DeviceBuffer weight, DeviceBuffer out) {
            return new Operands(in, weight, bias, hasBias, out, scale, shift, residual, ep, slope);
        }
    }
}
