// What the JVM's cores can do: count, clock, vector width, and the FP32 peak that follows.
package io.github.convcl.jvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/** Facts about the host CPU read from /proc/cpuinfo where it exists. */
public record CpuInfo(String model, int cores, double mhz, boolean avx2, boolean fma, boolean avx512) {

    public static CpuInfo read() {
        int cores = Runtime.getRuntime().availableProcessors();
        String model = System.getProperty("os.arch");
        double mhz = 0;
        boolean avx2 = false;
        boolean fma = false;
        boolean avx512 = false;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                int colon = l.indexOf(':');
                if (colon < 0) continue;
                String key = l.substring(0, colon).trim();
                String value = l.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals(System.getProperty("os.arch"))) model = value;
                if (key.equals("cpu MHz") && mhz == 0) mhz = Double.parseDouble(value);
                if (key.equals("flags")) {
                    List<String> flags = List.of(value.split("\\s+"));
                    avx2 = flags.contains("avx2");
                    fma = flags.contains("fma");
                    avx512 = flags.contains("avx512f");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: the peak stays unknown
        }
        return new CpuInfo(model, cores, mhz, avx2, fma, avx512);
    }

    /** FLOPs per cycle per core: lanes x 2 (multiply-add) x 2 FMA units for AVX2/AVX-512 with FMA. */
    public int flopsPerCycle() {
        if (avx512 && fma) return 64;
        if (avx2 && fma) return 32;
        if (avx2) return 16;
        return 8;
    }

    /** Theoretical FP32 GFLOP/s of all cores, when the clock is known. */
    public OptionalDouble peakGflops() {
        return peakGflops(cores);
    }

    /** Theoretical FP32 GFLOP/s of the cores that {@code threads} threads can keep busy (at most all of them). */
    public OptionalDouble peakGflops(int threads) {
        return mhz > 0 ? OptionalDouble.of(Math.min(threads, cores) * mhz / 1000.0 * flopsPerCycle()) : OptionalDouble.empty();
    }

    /** Whether the JDK's Vector API module is resolved in this JVM (needs --add-modules jdk.incubator.vector). */
    public static boolean vectorApiUsable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }
}
