// Reads the OpenCL C sources shipped in src/main/resources/kernels.
package io.github.convcl.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The kernel files shipped with the library, loaded once from the class path. */
public final class KernelSource {
    /** Every shipped kernel file (without .cl) and the kernels it defines. */
    public static final Map<String, List<String>> FILES = Map.of(
            "direct_conv", List.of("conv_direct", "conv_depthwise", "conv_transposed_gather"),
            "implicit_gemm", List.of("conv_implicit_gemm", "conv_implicit_gemm_mma", "gemm_weights_tap_major"),
            "cpu_tile", List.of("conv_pad", "conv_weights_blocked", "conv_cpu_tile", "conv_cpu_tile_transposed",
                    "conv_cpu_depthwise"),
            "probe", List.of("fma_peak", "copy", "empty"),
            "depthwise", List.of("conv_depthwise_rows"),
            "winograd", List.of("wino_filter", "wino_input", "wino_output"));

    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private KernelSource() {
    }

    /** The program source of {@code kernels/NAME.cl}: {@code kernels/common.cl} followed by the file. */
    public static String load(String name) {
        String source = CACHE.get(name);
        if (source == null) {
            source = read("common") + "\n" + read(name);
            CACHE.putIfAbsent(name, source);
        }
        return source;
    }

    private static String read(String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream("/kernels/" + name + ".cl")) {
            if (in == null) {
                throw new IllegalStateException("kernel source kernels/" + name + ".cl is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
