// The threads the Java backend's kernels share: a fork-join pool of a settable size, or the calling thread alone.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs {@code count} independent tasks on {@link #threads()} threads: the calling thread and a pool of one worker
 * fewer, all taking the next task from one counter, or with one thread the calling thread alone (no hand-off, as a
 * server that runs a call per request thread wants). The caller works rather than waits: a caller that hands every
 * task to workers and waits pays a hand-off per call that small layers never earn back. The count is process-wide, as PyTorch's {@code set_num_threads} is: one per core until a Java
 * backend opens with a count in its settings ({@code convcl.threads} or {@code CONVCL_THREADS}), or
 * {@link JavaBackend#setThreads} changes it.
 * A pool that falls idle lets its workers end (the fork-join pool's keep-alive), so a changed count leaves no
 * threads behind. After its last task a helper spins for {@link #lingerNanos()} (the settings' {@code lingerMicros},
 * process-wide like the count; 0 turns it off) and takes the tasks of a call that comes meanwhile, as OpenMP
 * threads spin between parallel regions: a stream of calls then skips the pool's wake-up. The measurements behind
 * both rules are in docs/performance.md.
 */
final class Parallel {
    /** The most threads a count may ask for. */
    static final int MAX_THREADS = 1024;

    private static final ConcurrentHashMap<Integer, Crew> CREWS = new ConcurrentHashMap<>();
    private static volatile int threads = Runtime.getRuntime().availableProcessors();
    private static volatile long lingerNanos = io.github.convcl.config.Settings.DEFAULT_LINGER_MICROS * 1000;

    private Parallel() {
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
        Share share = new Share(count, body, Math.max(1, count / (n * Thresholds.JAVA_CLAIMS_PER_THREAD)));
        Crew crew = CREWS.computeIfAbsent(n - 1, Crew::new);
        long linger = lingerNanos();
        int helpers = Math.min(n, count) - 1;
        if (linger > 0) {
            // Helpers still spinning after the last call take this one from the offer; the pool starts the rest.
            crew.offer.set(share);
            helpers -= Math.min(helpers, crew.lingering.get());
        }
        for (int h = 0; h < helpers; h++) {
            crew.pool.execute(() -> crew.help(share, linger));
        }
        share.drain();
        share.await();
        crew.offer.compareAndSet(share, null);
    }

    /** How long a helper spins for the next call's tasks after its last one (0: it returns to the pool at once). */
    static long lingerNanos() {
        return lingerNanos;
    }

    /** Sets {@link #lingerNanos()} from microseconds (0 or less: helpers return to the pool at once). */
    static void setLingerMicros(long micros) {
        lingerNanos = Math.max(0, micros) * 1000;
    }

    /** A pool of one size, the call on offer to its lingering helpers, and how many linger. */
    private static final class Crew {
        final ForkJoinPool pool;
        final java.util.concurrent.atomic.AtomicReference<Share> offer = new java.util.concurrent.atomic.AtomicReference<>();
        final AtomicInteger lingering = new AtomicInteger();

        Crew(int size) {
            pool = pool(size);
        }

        /**
         * Drains {@code first}, then spins up to {@code linger} ns for a newer call on offer and drains that, and so
         * on: a parked pool worker takes tens of microseconds to wake, a spinning one nanoseconds (OpenMP runtimes
         * spin the same way between parallel regions).
         */
        void help(Share first, long linger) {
            for (Share s = first; s != null; ) {
                s.drain();
                s = null;
                if (linger <= 0) {
                    return;
                }
                lingering.incrementAndGet();
                long end = System.nanoTime() + linger;
                do {
                    Share o = offer.get();
                    if (o != null && o.open()) { // not the call just drained: none of its tasks is left
                        s = o;
                        break;
                    }
                    Thread.onSpinWait();
                } while (System.nanoTime() < end);
                lingering.decrementAndGet();
            }
        }
    }

    /**
     * One call's tasks, claimed by the caller and the helpers it handed to the pool in runs of {@code grain}
     * consecutive indices (so that a thread takes neighbouring planes, and a call of many small tasks makes few
     * claims), each thread counting what it ran once when it finds no run left. A helper that starts after the last
     * claim does nothing, so the caller waits only for tasks under way.
     */
    private static final class Share {
        private final int count;
        private final IntConsumer body;
        private final Thread caller = Thread.currentThread();
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private volatile Throwable failure;

        private final int grain;

        Share(int count, IntConsumer body, int grain) {
            this.count = count;
            this.body = body;
            this.grain = grain;
        }

        /** Whether some task is not claimed yet. */
        boolean open() {
            return next.get() < count;
        }

        void drain() {
            int done = 0;
            for (int t; (t = next.getAndAdd(grain)) < count; ) {
                for (int end = Math.min(count, t + grain); t < end; t++, done++) {
                    try {
                        if (failure == null) {
                            body.accept(t);
                        }
                    } catch (Throwable e) {
                        if (failure == null) {
                            failure = e;
                        }
                    }
                }
            }
            if (done > 0 && finished.addAndGet(done) == count) {
                LockSupport.unpark(caller);
            }
        }

        /** Until every task has run (or been skipped after a failure); rethrows the first failure. */
        void await() {
            for (int spins = 0; finished.get() < count; spins++) {
                if (spins < 64) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            Throwable e = failure;
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof Error err) {
                throw err;
            }
        }
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
