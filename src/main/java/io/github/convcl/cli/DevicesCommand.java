// convcl devices: every OpenCL platform and device, the Java backend, the choice and why; checks and rates.
package io.github.convcl.cli;

import io.github.convcl.golden.SelfCheck;
import io.github.convcl.plan.Planner;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convcl.backend.BackendRequest;
import io.github.convcl.backend.BackendSelector;
import io.github.convcl.backend.Candidate;
import io.github.convcl.golden.GoldenSuite;
import io.github.convcl.jvm.CpuInfo;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.JavaBench;
import io.github.convcl.opencl.ClDevice;
import io.github.convcl.opencl.DeviceProbe;
import io.github.convcl.opencl.OpenCl;
import io.github.convcl.opencl.OpenClBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"Lists every OpenCL platform and device and the Java backend, says which backend the runtime would "
                + "choose and why the others were not.",
                "Exit 0 when the chosen backend works, 1 when a check failed, 2 for usage errors."})
final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print the same facts as JSON")
    boolean json;

    @Option(names = "--check", description = "build every shipped kernel on every device and run a small convolution of each kind against the float64 reference")
    boolean check;

    @Option(names = "--bench", description = "measure FP32 GFLOP/s, copy bandwidth, transfers and launch latency per device")
    boolean bench;

    @Option(names = {"-b", "--backend"}, split = ",", paramLabel = "B",
            description = "check and bench only these backends (opencl-gpu, opencl-cpu, java); every device is still listed")
    List<String> backends;

    /** Whether --check and --bench take backend kind k. */
    private boolean measures(io.github.convcl.plan.BackendKind k) {
        return backends == null || backends.stream().map(io.github.convcl.plan.BackendKind::parse).anyMatch(k::equals);
    }

    @Override
    public Integer call() {
        ObjectNode root = GoldenSuite.json().createObjectNode();
        OpenCl.Probe probe = OpenCl.probe();
        List<Candidate> candidates = BackendSelector.discover();
        boolean failed = false;

        ObjectNode ocl = root.putObject("opencl");
        ocl.put("available", probe.available());
        ocl.put("reason", probe.unavailabilityCause());
        ArrayNode platforms = ocl.putArray("platforms");
        ObjectNode platform = null;
        int lastPlatform = -1;
        List<ObjectNode> deviceNodes = new ArrayList<>();
        for (ClDevice d : probe.devices()) {
            if (d.platformIndex() != lastPlatform) {
                lastPlatform = d.platformIndex();
                platform = platforms.addObject();
                platform.put("index", d.platformIndex());
                platform.put("name", d.platformName());
                platform.put("vendor", d.platformVendor());
                platform.put("version", d.platformVersion());
                platform.putArray("devices");
            }
            ObjectNode n = ((ArrayNode) platform.get("devices")).addObject();
            describe(n, d);
            deviceNodes.add(n);
        }

        CpuInfo cpu = CpuInfo.read();
        ObjectNode java = root.putObject("java");
        java.put("version", Runtime.version().toString());
        java.put("cores", cpu.cores());
        java.put("threads", JavaBackend.threads());
        java.put("cpu", cpu.model());
        java.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        java.put("vector_api_usable", CpuInfo.vectorApiUsable());
        java.put("vector_bits", JavaBackend.vectorBits());
        java.put("vector_api_note", CpuInfo.vectorApiUsable() ? "jdk.incubator.vector is resolved"
                : "jdk.incubator.vector is not resolved (start the JVM with --add-modules jdk.incubator.vector)");
        cpu.peakGflops().ifPresent(p -> java.put("peak_gflops", round(p)));

        if (backends != null) {
            backends.forEach(io.github.convcl.plan.BackendKind::parse);
        }
        int steps = (bench ? 4 * (int) probe.devices().stream().filter(d -> measures(d.kind())).count() + 2 : 0);
        try (ProgressBar bar = steps == 0 ? null : new ProgressBarBuilder().setTaskName("devices --bench").setInitialMax(steps)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
            for (int i = 0; i < probe.devices().size(); i++) {
                ClDevice d = probe.devices().get(i);
                ObjectNode n = deviceNodes.get(i);
                try (OpenClBackend b = new OpenClBackend(d)) {
                    DeviceProbe p = new DeviceProbe(b);
                    n.put("preferred_work_group_multiple", p.preferredWorkGroupMultiple());
                    n.put("usable", true);
                    if (check && measures(d.kind())) {
                        failed |= checks(n.putArray("check"), p.check());
                    }
                    if (bench && measures(d.kind())) {
                        DeviceProbe.Rates r = p.bench(() -> bar.step());
                        ObjectNode bn = n.putObject("bench");
                        bn.put("fma_gflops", round(r.fmaGflops()));
                        if (r.peakGflops() != null) {
                            bn.put("peak_gflops", round(r.peakGflops()));
                            bn.put("fma_percent_of_peak", round(100 * r.fmaGflops() / r.peakGflops()));
                        }
                        bn.put("copy_gbs", round(r.copyGBs()));
                        bn.put("host_to_device_gbs", round(r.hostToDeviceGBs()));
                        bn.put("device_to_host_gbs", round(r.deviceToHostGBs()));
                        bn.put("launch_latency_us", round(r.launchMicros()));
                    }
                } catch (RuntimeException | LinkageError e) {
                    n.put("usable", false);
                    n.put("reason", e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
                    failed |= check;
                }
            }
            if (check && measures(io.github.convcl.plan.BackendKind.JAVA)) {
                try (JavaBackend jb = new JavaBackend()) {
                    failed |= checks(java.putArray("check"), SelfCheck.run(jb, s -> Planner.applicable(s, jb.facts()), m -> m));
                }
            }
            if (bench && measures(io.github.convcl.plan.BackendKind.JAVA)) {
                JavaBench.Rates r = JavaBench.bench();
                bar.step();
                bar.step();
                ObjectNode bn = java.putObject("bench");
                bn.put("gemm_gflops", round(r.gemmGflops()));
                cpu.peakGflops().ifPresent(p -> bn.put("gemm_percent_of_peak", round(100 * r.gemmGflops() / p)));
                bn.put("copy_gbs", round(r.copyGBs()));
            }
        }

        ObjectNode sel = root.putObject("selection");
        boolean chosenWorks;
        try {
            io.github.convcl.config.Settings settings = io.github.convcl.config.Settings.fromSystem();
            BackendSelector.Selection s = BackendSelector.select(BackendRequest.parse(settings.backend()), candidates);
            sel.put("backend", s.chosen().kind().id());
            sel.put("device", s.chosen().device());
            sel.put("reason", s.reason() + " (" + settings.backendSource() + ")");
            ArrayNode not = sel.putArray("not_chosen");
            s.notChosen().forEach(not::add);
            chosenWorks = chosenWorks(s.chosen(), probe, deviceNodes);
        } catch (IllegalStateException e) {
            sel.put("backend", (String) null);
            sel.put("reason", e.getMessage());
            chosenWorks = false;
        }
        sel.put("works", chosenWorks);

        if (json) {
            System.out.println(root.toPrettyString());
        } else {
            printText(root);
        }
        if (failed) {
            return 1;
        }
        return chosenWorks ? 0 : 1;
    }

    private static boolean chosenWorks(Candidate chosen, OpenCl.Probe probe, List<ObjectNode> nodes) {
        if (!chosen.kind().isOpenCl()) {
            return true;
        }
        for (int i = 0; i < probe.devices().size(); i++) {
            if (probe.devices().get(i).label().equals(chosen.device())) {
                return nodes.get(i).path("usable").asBoolean(false);
            }
        }
        return false;
    }

    private static boolean checks(ArrayNode out, List<SelfCheck.Check> checks) {
        boolean failed = false;
        for (SelfCheck.Check c : checks) {
            ObjectNode n = out.addObject();
            n.put("what", c.what());
            n.put("passed", c.passed());
            n.put("detail", c.detail());
            failed |= !c.passed();
        }
        return failed;
    }

    private static void describe(ObjectNode n, ClDevice d) {
        n.put("index", d.deviceIndex());
        n.put("name", d.name());
        n.put("vendor", d.vendor());
        n.put("type", d.type());
        n.put("backend", d.kind().id());
        n.put("device_version", d.deviceVersion());
        n.put("driver_version", d.driverVersion());
        n.put("opencl_c_version", d.openClCVersion());
        n.put("compute_units", d.computeUnits());
        n.put("max_clock_mhz", d.maxClockMHz());
        n.put("global_memory_bytes", d.globalMemoryBytes());
        n.put("max_allocation_bytes", d.maxAllocationBytes());
        n.put("local_memory_bytes", d.localMemoryBytes());
        n.put("max_work_group_size", d.maxWorkGroupSize());
        n.put("fp64", d.fp64());
        n.put("fp16", d.fp16());
        n.put("sub_groups", d.subGroups());
        if (d.kernelExecTimeout() == null) {
            n.putNull("kernel_exec_timeout");
        } else {
            n.put("kernel_exec_timeout", d.kernelExecTimeout());
        }
        if (d.nvidiaComputeCapability() != null) {
            n.put("compute_capability", d.nvidiaComputeCapability());
        }
        d.peakGflops().ifPresent(p -> n.put("peak_gflops", round(p)));
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static void printText(ObjectNode root) {
        ObjectNode ocl = (ObjectNode) root.get("opencl");
        System.out.println("OpenCL: " + (ocl.get("available").asBoolean() ? "available" : "unavailable: " + ocl.get("reason").asText()));
        for (var p : ocl.get("platforms")) {
            System.out.printf("  platform %d: %s (%s), %s%n", p.get("index").asInt(), p.get("name").asText(), p.get("vendor").asText(), p.get("version").asText());
            for (var d : p.get("devices")) {
                System.out.printf("  `-- device %d: %s [%s -> %s]%s%n", d.get("index").asInt(), d.get("name").asText(), d.get("type").asText(),
                        d.get("backend").asText(), d.path("usable").asBoolean(true) ? "" : "  UNUSABLE: " + d.path("reason").asText());
                System.out.printf("        vendor %s; %s; driver %s; %s%n", d.get("vendor").asText(), d.get("device_version").asText(),
                        d.get("driver_version").asText(), d.get("opencl_c_version").asText());
                System.out.printf("        %d compute units @ %d MHz%s; global %s, max alloc %s, local %s%n", d.get("compute_units").asInt(),
                        d.get("max_clock_mhz").asInt(), d.has("peak_gflops") ? " (FP32 peak " + d.get("peak_gflops").asDouble() + " GFLOP/s)" : "",
                        bytes(d.get("global_memory_bytes").asLong()), bytes(d.get("max_allocation_bytes").asLong()), bytes(d.get("local_memory_bytes").asLong()));
                System.out.printf("        max work-group %d, preferred multiple %s; fp64 %s, fp16 %s, sub-groups %s, kernel timeout %s%s%n",
                        d.get("max_work_group_size").asLong(), d.path("preferred_work_group_multiple").asText("?"), yes(d, "fp64"), yes(d, "fp16"),
                        yes(d, "sub_groups"), d.get("kernel_exec_timeout").isNull() ? "unknown" : yes(d, "kernel_exec_timeout"),
                        d.has("compute_capability") ? ", compute capability " + d.get("compute_capability").asText() : "");
                printChecks(d);
                printBench(d.get("bench"));
            }
        }
        var j = root.get("java");
        System.out.printf("Java: %s, %d cores (%s), %s%s, max heap %s, Vector API %s%n", j.get("version").asText(), j.get("cores").asInt(),
                j.get("cpu").asText(), JavaBackend.threadsText(j.get("threads").asInt()), j.has("peak_gflops") ? ", FP32 peak " + j.get("peak_gflops").asDouble() + " GFLOP/s" : "",
                bytes(j.get("max_heap_bytes").asLong()), j.get("vector_api_usable").asBoolean() ? "usable, " + j.get("vector_bits").asInt() + "-bit vectors"
                        : "not usable: " + j.get("vector_api_note").asText());
        printChecks(j);
        printBench(j.get("bench"));
        var s = root.get("selection");
        System.out.println("Chosen: " + (s.get("backend").isNull() ? "none" : s.get("backend").asText() + " on " + s.get("device").asText())
                + " -- " + s.get("reason").asText() + (s.get("works").asBoolean() ? "" : " (NOT WORKING)"));
        if (s.has("not_chosen")) {
            for (var n : s.get("not_chosen")) {
                System.out.println("  not chosen: " + n.asText());
            }
        }
    }

    private static void printChecks(com.fasterxml.jackson.databind.JsonNode d) {
        if (d.has("check")) {
            for (var c : d.get("check")) {
                System.out.printf("        %s %s%s%n", c.get("passed").asBoolean() ? "PASS" : "FAIL", c.get("what").asText(),
                        c.get("passed").asBoolean() ? "" : ": " + c.get("detail").asText());
            }
        }
    }

    private static void printBench(com.fasterxml.jackson.databind.JsonNode b) {
        if (b == null) {
            return;
        }
        StringBuilder sb = new StringBuilder("        bench:");
        b.fields().forEachRemaining(e -> sb.append(' ').append(e.getKey()).append('=').append(e.getValue().asText()));
        System.out.println(sb);
    }

    private static String yes(com.fasterxml.jackson.databind.JsonNode d, String field) {
        return d.get(field).asBoolean() ? "yes" : "no";
    }

    private static String bytes(long b) {
        if (b >= 1L << 30) return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }
}
