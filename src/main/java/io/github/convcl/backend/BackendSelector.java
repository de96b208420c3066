// Chooses between backend candidates, with the reason for every one not chosen. A pure function.
package io.github.convcl.backend;

import io.github.convcl.plan.BackendKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Picks a backend: for {@code auto} an OpenCL GPU, else the Java backend where its Vector API kernels run, else an
 * OpenCL CPU device, else the Java backend's portable kernels; for a named kind that kind's device (by index or
 * name), or a {@link BackendUnavailableException} saying why it cannot run.
 *
 * <p>The rule for CPUs: an OpenCL CPU device and the Java backend run on the same cores, and the Java backend's
 * vector kernels are the faster of the two (the suite's layers, `convcl bench -b java` against `-b opencl-cpu` in one
 * run, docs/performance.md); the portable Java kernels, about 3x slower than the vector ones, are not.
 */
public final class BackendSelector {
    private BackendSelector() {
    }

    /** The choice, the reason for it, and for every other candidate why it was not chosen. */
    public record Selection(Candidate chosen, String reason, List<String> notChosen) {
    }

    /** Every candidate of every provider on the class path, in the order GPU, CPU, Java. */
    public static List<Candidate> discover() {
        List<Candidate> all = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, BackendSelector.class.getClassLoader())) {
            all.addAll(p.candidates());
        }
        all.sort(java.util.Comparator.comparing(Candidate::kind));
        return all;
    }

    public static Selection select(BackendRequest request, List<Candidate> candidates) {
        Candidate chosen = null;
        String reason;
        Candidate fasterJava = null;
        if (request.isAuto()) {
            for (Candidate c : candidates) {
                if (c.isAvailable()) {
                    chosen = c;
                    break;
                }
            }
            if (chosen == null) {
                throw new BackendUnavailableException("no backend is available: " + candidates);
            }
            reason = "first available in the order opencl-gpu, opencl-cpu, java";
            if (chosen.kind() == BackendKind.OPENCL_CPU) {
                fasterJava = candidates.stream().filter(c -> c.kind() == BackendKind.JAVA && c.isAvailable() && c.vectorKernels())
                        .findFirst().orElse(null);
                if (fasterJava != null) {
                    chosen = fasterJava;
                    reason = "no OpenCL GPU; on the CPU the Java backend's vector kernels are faster than an OpenCL CPU device";
                }
            }
        } else {
            List<Candidate> ofKind = candidates.stream().filter(c -> c.kind() == request.kind()).toList();
            List<Candidate> usable = ofKind.stream().filter(Candidate::isAvailable).toList();
            if (usable.isEmpty()) {
                String why = ofKind.isEmpty() ? "no such device" : ofKind.get(0).unavailabilityCause();
                throw new BackendUnavailableException("backend " + request + " was requested but is unavailable: " + why);
            }
            chosen = pickDevice(request, usable);
            reason = "requested " + request;
        }
        List<String> others = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c == chosen) {
                continue;
            }
            String available = fasterJava != null && c.kind() == BackendKind.OPENCL_CPU
                    ? ": available, slower than the Java backend's vector kernels on the same cores" : ": available, not preferred";
            others.add(c.kind().id() + " " + (c.isAvailable() ? c.device() + available : "unavailable: " + c.unavailabilityCause()));
        }
        return new Selection(chosen, reason, others);
    }

    private static Candidate pickDevice(BackendRequest request, List<Candidate> usable) {
        String d = request.device();
        if (d == null) {
            return usable.get(0);
        }
        if (d.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(d);
            if (i >= usable.size()) {
                throw new BackendUnavailableException("backend " + request + ": device index " + i + " is out of range, "
                        + usable.size() + " " + request.kind().id() + " device(s): " + usable);
            }
            return usable.get(i);
        }
        String needle = d.toLowerCase(Locale.ROOT);
        for (Candidate c : usable) {
            if (c.device().toLowerCase(Locale.ROOT).contains(needle)) {
                return c;
            }
        }
        throw new BackendUnavailableException("backend " + request + ": no " + request.kind().id() + " device name contains '" + d + "': " + usable);
    }
}
