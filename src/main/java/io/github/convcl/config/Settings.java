// Every override ConvCL takes from system properties and the environment, read in one place when a runtime opens.
package io.github.convcl.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The settings of one runtime: read once by {@link #fromSystem()} when it opens (a system property wins over its
 * environment variable, which wins over the default) and passed down to the backend, the planner's overrides and the
 * caches. Nothing else reads a property, so a test changes a setting by building a {@code Settings}, not by forking a
 * JVM. Text that does not parse is kept as written and refused, with its name, by the part that uses it.
 *
 * <p>The one exception is {@link JvmWide}: the Java kernels' vector width is a constant of the JIT-compiled code (the
 * Vector API compiles to SIMD instructions only for a species known as a constant), so it is read once per JVM.
 *
 * @param backend         {@code convcl.backend} / {@code CONVCL_BACKEND}: {@code auto} or {@code kind[:device]}; null: auto
 * @param backendSource   where {@code backend} came from, for the log line
 * @param precision       {@code convcl.precision} / {@code CONVCL_PRECISION}: {@code fp32} or {@code tf32}; null: fp32
 * @param threads         {@code convcl.threads} / {@code CONVCL_THREADS}: the Java backend's threads; null: one per core
 * @param lingerMicros    {@code convcl.lingerMicros}: how long an idle Java worker spins for the next call (0: off)
 * @param java            forced choices of the Java planner (null fields: the planner decides)
 * @param gemm            forced choices of the OpenCL implicit GEMM's tables
 * @param tensorCores     {@code convcl.tensorCores}: {@code auto}, {@code native}, {@code emulated} or {@code off}
 * @param programCache    {@code convcl.cache} not {@code off}: built OpenCL programs are kept on disk
 * @param cacheDir        {@code convcl.cache.dir}, else {@code $XDG_CACHE_HOME/convcl}, else {@code ~/.cache/convcl}
 * @param tuningFile      {@code convcl.tuning.file}, else {@code $XDG_CONFIG_HOME/convcl/tuning.json}, else under {@code ~/.config}
 * @param faults          {@code convcl.faults}: injected OpenCL faults for tests ({@code point:n,...}); null: none
 * @param maxLaunchFlops  {@code convcl.maxLaunchFlops}: the most work one OpenCL launch takes (watchdog-safe launches)
 */
public record Settings(String backend, String backendSource, String precision, String threads, long lingerMicros, JavaChoices java,
                       GemmChoices gemm, String tensorCores, boolean programCache, Path cacheDir, Path tuningFile, String faults,
                       long maxLaunchFlops) {

    /** Default spin of an idle Java worker before it parks, in microseconds. */
    public static final long DEFAULT_LINGER_MICROS = 200;
    /** Default bound on one OpenCL launch's floating-point operations (2^34). */
    public static final long DEFAULT_MAX_LAUNCH_FLOPS = 1L << 34;

    /**
     * Forced strategies of the Java direct GEMM and depthwise kernels (null: the planner decides from the shape and the
     * thread count): {@code convcl.rowTiles}, {@code convcl.localPadding}, {@code convcl.rowsLocal},
     * {@code convcl.depthwiseUnpadded}, each {@code true} or {@code false}.
     */
    public record JavaChoices(Boolean rowTiles, Boolean localPadding, Boolean rowsLocal, Boolean depthwiseUnpadded) {
        public static final JavaChoices PLANNER = new JavaChoices(null, null, null, null);
    }

    /** {@code convcl.gemm.tapMajor} and {@code convcl.gemm.rowTaps}: {@code off} turns the table layout off. */
    public record GemmChoices(boolean tapMajor, boolean rowTaps) {
        public static final GemmChoices PLANNER = new GemmChoices(true, true);
    }

    /**
     * JVM-wide settings of the Java kernels, read once when the kernels load: {@code convcl.vector} ({@code false}:
     * the portable kernels), {@code convcl.vectorBits} ({@code 512} or {@code 256}), {@code convcl.fusedGather},
     * {@code convcl.registerEpilogue} ({@code false} turns each off) and {@code convcl.tallRows} ({@code true} or
     * {@code false}; null: the default for this CPU).
     */
    public record JvmWide(boolean vector, String vectorBits, boolean fusedGather, String tallRows, boolean registerEpilogue) {
        /** The JVM's values, from its system properties. */
        public static JvmWide fromSystem() {
            Properties p = System.getProperties();
            return new JvmWide(!"false".equals(p.getProperty("convcl.vector")), p.getProperty("convcl.vectorBits"),
                    !"false".equals(p.getProperty("convcl.fusedGather")), p.getProperty("convcl.tallRows"),
                    !"false".equals(p.getProperty("convcl.registerEpilogue")));
        }
    }

    /** Every default: auto backend, FP32, one thread per core, the planner's choices, the cache under the home directory. */
    public static Settings defaults() {
        return read(new Properties(), Map.of());
    }

    /** The system properties and environment of this process, read now. */
    public static Settings fromSystem() {
        return read(System.getProperties(), System.getenv());
    }

    /** The settings from {@code properties}, then {@code environment}, then the defaults. */
    public static Settings read(Properties properties, Map<String, String> environment) {
        Source src = new Source(properties, environment);
        String backend = src.get("convcl.backend", "CONVCL_BACKEND");
        String home = properties.getProperty("user.home", System.getProperty("user.home", "."));
        String cacheDir = properties.getProperty("convcl.cache.dir");
        String xdgCache = environment.get("XDG_CACHE_HOME");
        Path cache = cacheDir != null && !cacheDir.isBlank() ? Path.of(cacheDir)
                : (xdgCache != null && !xdgCache.isBlank() ? Path.of(xdgCache) : Path.of(home, ".cache")).resolve("convcl");
        String tuning = properties.getProperty("convcl.tuning.file");
        String xdgConfig = environment.get("XDG_CONFIG_HOME");
        Path tuningFile = tuning != null && !tuning.isBlank() ? Path.of(tuning)
                : (xdgConfig != null && !xdgConfig.isBlank() ? Path.of(xdgConfig) : Path.of(home, ".config")).resolve("convcl")
                .resolve("tuning.json");
        JavaChoices java = new JavaChoices(flag(properties, "convcl.rowTiles"), flag(properties, "convcl.localPadding"),
                flag(properties, "convcl.rowsLocal"), flag(properties, "convcl.depthwiseUnpadded"));
        GemmChoices gemm = new GemmChoices(!"off".equalsIgnoreCase(properties.getProperty("convcl.gemm.tapMajor")),
                !"off".equalsIgnoreCase(properties.getProperty("convcl.gemm.rowTaps")));
        return new Settings(backend, src.origin("convcl.backend", "CONVCL_BACKEND", "automatic choice"),
                src.get("convcl.precision", "CONVCL_PRECISION"), src.get("convcl.threads", "CONVCL_THREADS"),
                number(properties, "convcl.lingerMicros", DEFAULT_LINGER_MICROS), java, gemm,
                properties.getProperty("convcl.tensorCores", "auto").trim().toLowerCase(Locale.ROOT),
                !"off".equalsIgnoreCase(properties.getProperty("convcl.cache")), cache, tuningFile,
                properties.getProperty("convcl.faults"), number(properties, "convcl.maxLaunchFlops", DEFAULT_MAX_LAUNCH_FLOPS));
    }

    /** These settings with another backend request ({@code auto} or {@code kind[:device]}), as asked for through the API. */
    public Settings withBackend(String b) {
        return new Settings(b, "requested through the API", precision, threads, lingerMicros, java, gemm, tensorCores, programCache,
                cacheDir, tuningFile, faults, maxLaunchFlops);
    }

    /** These settings with the Java backend's thread count (text as {@code convcl.threads} takes it). */
    public Settings withThreads(String t) {
        return new Settings(backend, backendSource, precision, t, lingerMicros, java, gemm, tensorCores, programCache, cacheDir,
                tuningFile, faults, maxLaunchFlops);
    }

    /** These settings with other forced Java strategies. */
    public Settings withJava(JavaChoices j) {
        return new Settings(backend, backendSource, precision, threads, lingerMicros, j, gemm, tensorCores, programCache, cacheDir,
                tuningFile, faults, maxLaunchFlops);
    }

    /** These settings with other OpenCL GEMM table choices. */
    public Settings withGemm(GemmChoices g) {
        return new Settings(backend, backendSource, precision, threads, lingerMicros, java, g, tensorCores, programCache, cacheDir,
                tuningFile, faults, maxLaunchFlops);
    }

    /** These settings with another tensor-core setting. */
    public Settings withTensorCores(String t) {
        return new Settings(backend, backendSource, precision, threads, lingerMicros, java, gemm, t, programCache, cacheDir,
                tuningFile, faults, maxLaunchFlops);
    }

    /** These settings with another program cache directory ({@code null}: no disk cache). */
    public Settings withCacheDir(Path dir) {
        return new Settings(backend, backendSource, precision, threads, lingerMicros, java, gemm, tensorCores, dir != null,
                dir != null ? dir : cacheDir, tuningFile, faults, maxLaunchFlops);
    }

    /** These settings with another bound on one OpenCL launch's work. */
    public Settings withMaxLaunchFlops(long flops) {
        return new Settings(backend, backendSource, precision, threads, lingerMicros, java, gemm, tensorCores, programCache, cacheDir,
                tuningFile, faults, flops);
    }

    /** These settings with another tuning file. */
    public Settings withTuningFile(Path file) {
        return new Settings(backend, backendSource, precision, threads, lingerMicros, java, gemm, tensorCores, programCache, cacheDir,
                file, faults, maxLaunchFlops);
    }

    private static Boolean flag(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? null : Boolean.parseBoolean(v.trim());
    }

    private static long number(Properties p, String key, long fallback) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a whole number");
        }
    }

    /** A property, else its environment variable; blank counts as unset. */
    private record Source(Properties properties, Map<String, String> environment) {
        String get(String property, String variable) {
            String p = properties.getProperty(property);
            if (p != null && !p.isBlank()) {
                return p;
            }
            String e = environment.get(variable);
            return e != null && !e.isBlank() ? e : null;
        }

        String origin(String property, String variable, String fallback) {
            String p = properties.getProperty(property);
            if (p != null && !p.isBlank()) {
                return "system property " + property + "=" + p;
            }
            String e = environment.get(variable);
            return e != null && !e.isBlank() ? "environment " + variable + "=" + e : fallback;
        }
    }
}
