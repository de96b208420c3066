// Where the Java kernels keep a weight tensor's packed panels between calls.
package io.github.convcl.jvm;

/**
 * The packed form of one weight buffer, reused while the buffer is unchanged: a kernel asks for the panels under a
 * key that names the packing (algorithm and panel geometry); any write to the buffer makes them stale. Inference
 * runtimes prepack weights the same way (oneDNN's reorders, NNPACK's pre-transformed kernels).
 */
interface PackCache {
    /** The buffer's version: it changes on every write. Read it before packing, pass it to {@link #put}. */
    long version();

    /** The panels packed under {@code key} (compared by equals) at the buffer's current version, or null. */
    float[] get(Object key);

    /** The array of stale panels, to be packed again in place, when it holds at least {@code size} floats; else null. */
    float[] recycle(int size);

    /** Keeps {@code packed} for {@code key}, packed from the buffer at {@code version}. */
    void put(Object key, long version, float[] packed);
}
