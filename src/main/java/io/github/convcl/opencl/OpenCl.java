// Loading OpenCL safely and listing its platforms and devices; a missing library is a reason, not a crash.
package io.github.convcl.opencl;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Guarded access to the OpenCL runtime through JOCL. {@link #probe()} never throws: when JOCL's native
 * library or {@code libOpenCL.so} cannot be loaded, or no platform exists, it reports why.
 */
public final class OpenCl {
    private static final int CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV = 0x4000;
    private static final int CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV = 0x4001;
    private static final int CL_DEVICE_KERNEL_EXEC_TIMEOUT_NV = 0x4005;

    private static volatile Probe cached;

    private OpenCl() {
    }

    /** The outcome of looking for OpenCL: devices found, or the reason there are none. */
    public record Probe(List<ClDevice> devices, String unavailabilityCause, int platforms) {
        public boolean available() {
            return unavailabilityCause == null;
        }
    }

    /** Looks for OpenCL once per JVM and remembers the answer. */
    public static Probe probe() {
        Probe p = cached;
        if (p == null) {
            synchronized (OpenCl.class) {
                p = cached;
                if (p == null) {
                    p = doProbe();
                    cached = p;
                }
            }
        }
        return p;
    }

    private static Probe doProbe() {
        int[] count = new int[1];
        try {
            CL.setExceptionsEnabled(true);
            clGetPlatformIDs(0, null, count);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            return new Probe(List.of(), "the OpenCL library could not be loaded (" + e.getClass().getSimpleName() + ": "
                    + firstLine(e.getMessage()) + "); is libOpenCL.so installed (ocl-icd-opencl-dev)?", 0);
        } catch (RuntimeException e) {
            return new Probe(List.of(), "no OpenCL platform (" + firstLine(e.getMessage())
                    + "); install a driver, for example pocl-opencl-icd, or check OCL_ICD_VENDORS", 0);
        }
        if (count[0] == 0) {
            return new Probe(List.of(), "no OpenCL platform is installed", 0);
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        List<ClDevice> devices = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int pi = 0; pi < platforms.length; pi++) {
            try {
                int[] n = new int[1];
                clGetDeviceIDs(platforms[pi], CL_DEVICE_TYPE_ALL, 0, null, n);
                cl_device_id[] ids = new cl_device_id[n[0]];
                clGetDeviceIDs(platforms[pi], CL_DEVICE_TYPE_ALL, ids.length, ids, null);
                for (int di = 0; di < ids.length; di++) {
                    devices.add(describe(pi, platforms[pi], di, ids[di]));
                }
            } catch (RuntimeException e) {
                problems.add("platform " + pi + ": " + firstLine(e.getMessage()));
            }
        }
        if (devices.isEmpty()) {
            return new Probe(List.of(), "no OpenCL device on " + platforms.length + " platform(s) " + problems, platforms.length);
        }
        warnAboutSignalHandlers(devices);
        return new Probe(List.copyOf(devices), null, platforms.length);
    }

    /**
     * PoCL loads LLVM, which installs its own SIGSEGV/SIGBUS/SIGILL handlers over the JVM's; the JVM uses those
     * signals itself (safepoints, implicit null checks), and two threads faulting at once then kill the process
     * without an hs_err file (measured here: 1 run in 8 of a two-thread benchmark). Preloading the JDK's
     * libjsig.so (signal chaining) keeps the JVM's handlers first; say so once when it is missing.
     */
    private static void warnAboutSignalHandlers(List<ClDevice> devices) {
        boolean pocl = devices.stream().anyMatch(d -> d.platformName().contains("Portable Computing Language"));
        if (!pocl) {
            return;
        }
        try {
            String maps = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/maps"));
            if (!maps.contains("libjsig")) {
                org.slf4j.LoggerFactory.getLogger(OpenCl.class).warn("PoCL's LLVM replaces the JVM's signal handlers, which can crash "
                        + "the JVM; start it with LD_PRELOAD={}/lib/libjsig.so (the ./convcl launcher and the tests do)",
                        System.getProperty("java.home"));
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: nothing to check
        }
    }

    private static ClDevice describe(int pi, cl_platform_id platform, int di, cl_device_id d) {
        String ext = string(d, CL_DEVICE_EXTENSIONS);
        long type = longInfo(d, CL_DEVICE_TYPE);
        String version = string(d, CL_DEVICE_VERSION);
        boolean nv = ext.contains("cl_nv_device_attribute_query");
        Boolean timeout = nv ? intInfo(d, CL_DEVICE_KERNEL_EXEC_TIMEOUT_NV) != 0 : null;
        String cc = nv ? intInfo(d, CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV) + "." + intInfo(d, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV) : null;
        boolean subGroups = ext.contains("cl_khr_subgroups") || ext.contains("cl_intel_subgroups") || nv;
        return new ClDevice(pi, platformString(platform, CL_PLATFORM_NAME), platformString(platform, CL_PLATFORM_VENDOR),
                platformString(platform, CL_PLATFORM_VERSION), di, string(d, CL_DEVICE_NAME), string(d, CL_DEVICE_VENDOR),
                version, string(d, CL_DRIVER_VERSION), string(d, CL_DEVICE_OPENCL_C_VERSION), typeName(type),
                intInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS), intInfo(d, CL_DEVICE_MAX_CLOCK_FREQUENCY),
                longInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE), longInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                longInfo(d, CL_DEVICE_LOCAL_MEM_SIZE), sizeInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                ext.contains("cl_khr_fp64") || longInfo(d, CL_DEVICE_DOUBLE_FP_CONFIG) != 0, ext.contains("cl_khr_fp16"),
                subGroups, timeout, cc, ext.trim(), platform, d);
    }

    private static String typeName(long type) {
        List<String> t = new ArrayList<>();
        if ((type & CL_DEVICE_TYPE_GPU) != 0) t.add("GPU");
        if ((type & CL_DEVICE_TYPE_CPU) != 0) t.add("CPU");
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) t.add("ACCELERATOR");
        if ((type & CL_DEVICE_TYPE_CUSTOM) != 0) t.add("CUSTOM");
        return t.isEmpty() ? "OTHER" : String.join("+", t);
    }

    static String string(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8).trim();
    }

    private static int intInfo(cl_device_id d, int param) {
        int[] v = new int[1];
        try {
            clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        } catch (RuntimeException e) {
            return 0;
        }
        return v[0];
    }

    private static long longInfo(cl_device_id d, int param) {
        long[] v = new long[1];
        try {
            clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        } catch (RuntimeException e) {
            return 0;
        }
        return v[0];
    }

    private static long sizeInfo(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
