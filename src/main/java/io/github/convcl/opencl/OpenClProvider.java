// Offers one backend candidate per OpenCL device, or says why OpenCL cannot run.
package io.github.convcl.opencl;

import io.github.convcl.plan.BackendKind;
import io.github.convcl.backend.BackendProvider;
import io.github.convcl.backend.Candidate;
import java.util.ArrayList;
import java.util.List;

/** The OpenCL devices as backend candidates, GPUs first. */
public final class OpenClProvider implements BackendProvider {
    @Override
    public List<Candidate> candidates() {
        OpenCl.Probe probe = OpenCl.probe();
        List<Candidate> list = new ArrayList<>();
        if (!probe.available()) {
            list.add(Candidate.unavailable(BackendKind.OPENCL_GPU, probe.unavailabilityCause()));
            list.add(Candidate.unavailable(BackendKind.OPENCL_CPU, probe.unavailabilityCause()));
            return list;
        }
        for (BackendKind kind : List.of(BackendKind.OPENCL_GPU, BackendKind.OPENCL_CPU)) {
            boolean any = false;
            for (ClDevice d : probe.devices()) {
                if (d.kind() == kind) {
                    list.add(Candidate.available(kind, d.label(), settings -> new OpenClBackend(d, settings)));
                    any = true;
                }
            }
            if (!any) {
                list.add(Candidate.unavailable(kind, "no OpenCL " + (kind == BackendKind.OPENCL_GPU ? "GPU" : "CPU")
                        + " device among " + probe.devices().size() + " device(s) on " + probe.platforms() + " platform(s)"));
            }
        }
        return list;
    }
}
