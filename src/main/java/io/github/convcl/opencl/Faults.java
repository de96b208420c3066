// Fault injection for tests: makes the next OpenCL build, enqueue or first use fail on purpose.
package io.github.convcl.opencl;

import java.util.EnumMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;

/**
 * Injected device faults, armed by tests (and by {@code -Dconvcl.faults=build,enqueue,allocation}) to check
 * that the runtime survives real driver failures. Each armed fault fires once.
 */
public final class Faults {
    /** Where a fault can be injected. */
    public enum Point {
        /** clBuildProgram fails with CL_BUILD_PROGRAM_FAILURE. */
        BUILD(CL.CL_BUILD_PROGRAM_FAILURE),
        /** clEnqueueNDRangeKernel fails with CL_OUT_OF_RESOURCES. */
        ENQUEUE(CL.CL_OUT_OF_RESOURCES),
        /** A buffer fails at first use with CL_MEM_OBJECT_ALLOCATION_FAILURE. */
        ALLOCATION(CL.CL_MEM_OBJECT_ALLOCATION_FAILURE),
        /** clCreateContext fails with CL_DEVICE_NOT_AVAILABLE (a driver that lists a device it cannot open). */
        CONTEXT(CL.CL_DEVICE_NOT_AVAILABLE);

        final int status;

        Point(int status) {
            this.status = status;
        }
    }

    private static final Map<Point, Integer> ARMED = new EnumMap<>(Point.class);

    private Faults() {
    }

    /** Arms once each point named in {@code list} ({@code build,enqueue,...}; null or blank: none). */
    static void armFrom(String list) {
        if (list == null) {
            return;
        }
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                arm(Point.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT)), 1);
            }
        }
    }

    /** Makes the next {@code times} passes through {@code point} fail. */
    public static synchronized void arm(Point point, int times) {
        ARMED.put(point, times);
    }

    public static synchronized void clear() {
        ARMED.clear();
    }

    /** Throws the injected failure when {@code point} is armed. */
    static synchronized void check(Point point) {
        Integer left = ARMED.get(point);
        if (left != null && left > 0) {
            ARMED.put(point, left - 1);
            throw new CLException("injected fault at " + point + ": " + CL.stringFor_errorCode(point.status), point.status);
        }
    }
}
