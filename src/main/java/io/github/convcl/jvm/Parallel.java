// The threads the Java backend's kernels share: a fork-join pool of a settable size, or the calling thread alone.
package io.github.convcl.jvm;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs {@code count} independent tasks on {@link #threads()} threads: a pool with that many workers, or with one
 * thread the calling thread itself (no hand-off, as a server that runs a call per request thread wants). The count
 * is process-wide, as PyTorch's {@code set_num_threads} is: {@code convcl.threads} (system property) or
 * {@code CONVCL_THREADS} (environment) at start, else one per core; {@link JavaBackend#setThreads} changes it.
 * A pool that falls idle lets its workers end (the fork-join pool's keep-alive), so a changed count leaves no
 * threads behind.
 */
final class Parallel {
    /** The most threads a count may ask for. */
    static final int MAX_THREADS = 1024;

    private static final ConcurrentHashMap<Integer, ForkJoinPool> POOLS = new ConcurrentHashMap<>();
    private static volatile int threads = lenient(configured());

    private Parallel() {
    }

    /** The configured text: property {@code convcl.threads}, else variable {@code CONVCL_THREADS}, else null. */
    static String configured() {
        String p = System.getProperty("convcl.threads");
        return p != null && !p.isBlank() ? p : System.getenv("CONVCL_THREADS");
    }

    /** One per core when the text is null or blank; else its value, which must be a whole number from 1 to 1024. */
    static int parse(String text) {
        if (text == null || text.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        int n;
        try {
            n = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("threads=" + text + " is not a whole number (convcl.threads or CONVCL_THREADS)");
        }
        return check(n);
    }

    static int check(int n) {
        if (n < 1 || n > MAX_THREADS) {
            throw new IllegalArgumentException("threads=" + n + " must be between 1 and " + MAX_THREADS);
        }
        return n;
    }

    /** As {@link #parse}, but a bad value falls back to one per core (the backend's constructor reports it). */
    private static int lenient(String text) {
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    static void setThreads(int n) {
        threads = check(n);
    }

    /** Threads a call spreads over (the process-wide count; a call under way keeps the pool it started on). */
    static int threads() {
        return threads;
    }

    static void forEach(int count, IntConsumer body) {
        if (count <= 0) {
            return;
        }
        if (count == 1) {
            body.accept(0);
            return;
        }
        if (Thread.currentThread() instanceof Worker) {
            new Range(0, count, body).invoke(); // nested: the tasks join the pool this worker belongs to
            return;
        }
        int n = threads;
        if (n == 1) {
            for (int t = 0; t < count; t++) {
                body.accept(t);
            }
            return;
        }
        POOLS.computeIfAbsent(n, Parallel::pool).invoke(new Range(0, count, body));
    }

    private static ForkJoinPool pool(int size) {
        return new ForkJoinPool(size, Worker::new, null, false);
    }

    /** A worker of one of these pools, named {@code convcl-java-N}. */
    private static final class Worker extends ForkJoinWorkerThread {
        private static final AtomicInteger NEXT = new AtomicInteger();

        Worker(ForkJoinPool pool) {
            super(pool);
            setName("convcl-java-" + NEXT.getAndIncrement());
            setDaemon(true);
        }
    }

    private static final class Range extends RecursiveAction {
        private final int from;
        private final int to;
        private final IntConsumer body;

        Range(int from, int to, IntConsumer body) {
            this.from = from;
            this.to = to;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                body.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Range(from, mid, body), new Range(mid, to, body));
        }
    }
}
