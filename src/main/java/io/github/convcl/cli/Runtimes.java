// Opening runtimes for CLI commands: the named backends, or every available one.
package io.github.convcl.cli;

import io.github.convcl.ConvCL;
import io.github.convcl.plan.BackendKind;
import io.github.convcl.backend.BackendRequest;
import io.github.convcl.backend.BackendSelector;
import io.github.convcl.backend.Candidate;
import java.util.ArrayList;
import java.util.List;

/** Which backends a command runs on. */
final class Runtimes {
    private Runtimes() {
    }

    /** A backend to run on, or the reason it cannot run. */
    record Target(String name, Candidate candidate, String unavailable) {
        ConvCL open() {
            return ConvCL.on(candidate.open(io.github.convcl.config.Settings.fromSystem()));
        }
    }

    /** The named backends ({@code kind[:device]}), or every available device of every kind when none is named. */
    static List<Target> targets(List<String> requested) {
        List<Candidate> all = BackendSelector.discover();
        List<Target> targets = new ArrayList<>();
        if (requested == null || requested.isEmpty()) {
            int[] perKind = new int[BackendKind.values().length];
            for (Candidate c : all) {
                if (c.isAvailable()) {
                    int i = perKind[c.kind().ordinal()]++;
                    targets.add(new Target(c.kind().id() + (c.kind().isOpenCl() ? ":" + i : ""), c, null));
                }
            }
            return targets;
        }
        for (String r : requested) {
            try {
                BackendRequest req = BackendRequest.parse(r);
                targets.add(new Target(r, BackendSelector.select(req, all).chosen(), null));
            } catch (IllegalStateException e) {
                targets.add(new Target(r, null, e.getMessage()));
            }
        }
        return targets;
    }
}
