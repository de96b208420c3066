// The operands of a convolution's store: the epilogue's arrays and the channel slice of the output it writes.
package io.github.convcl.backend;

import io.github.convcl.spec.ConvSpec;

/**
 * What a convolution's store needs beyond the spec: the buffers of its {@link io.github.convcl.spec.Epilogue} (null
 * where the epilogue has no such part: {@code scale} and {@code shift} of the output's channel count, {@code residual}
 * of the output's shape) and the output's layout: the output buffer holds {@code channels} channels per image, of
 * which the call writes [{@code first}, {@code first} + out channels), so that branches concatenated along channels
 * land in one tensor without a copy. {@code channels} 0 means the spec's own output, dense. Checked by the runtime
 * before a backend sees it.
 */
public record OutputStage(DeviceBuffer scale, DeviceBuffer shift, DeviceBuffer residual, int channels, int first) {
    /** No epilogue arrays, the spec's own dense output. */
    public static final OutputStage NONE = new OutputStage(null, null, null, 0, 0);

    /** The destination's channels per image for {@code s}. */
    public int channels(ConvSpec s) {
        return channels == 0 ? s.outChannels() : channels;
    }
}
