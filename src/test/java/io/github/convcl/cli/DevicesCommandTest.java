// convcl devices: JSON fields, the no-OpenCL path and the exit codes.
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.convcl.TestSupport;
import io.github.convcl.backend.NoOpenClFallbackTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevicesCommandTest {
    static final List<String> DEVICE_FIELDS = List.of("name", "vendor", "type", "device_version", "driver_version", "opencl_c_version",
            "compute_units", "max_clock_mhz", "global_memory_bytes", "max_allocation_bytes", "local_memory_bytes",
            "max_work_group_size", "preferred_work_group_multiple", "fp64", "fp16", "sub_groups", "kernel_exec_timeout", "usable");

    @Test
    void jsonListsEveryFieldAndTheChoice() throws Exception {
        CliRun r = CliRun.of("devices", "--json", "--check");
        assertEquals(0, r.exit(), r.out());
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode java = root.get("java");
        for (String f : List.of("cores", "max_heap_bytes", "vector_api_usable", "check")) {
            assertTrue(java.has(f), "java." + f);
        }
        assertEquals(io.github.convcl.jvm.JavaBackend.threads(), java.get("threads").asInt(), "the threads a Java call uses");
        assertEquals(io.github.convcl.jvm.JavaBackend.vectorBits(), java.get("vector_bits").asInt());
        int bits = java.get("vector_bits").asInt();
        assertTrue(java.get("vector_api_usable").asBoolean() ? bits == 256 || bits == 512 : bits == 0, java.toString());
        assertTrue(java.get("check").size() >= 10);
        java.get("check").forEach(c -> assertTrue(c.get("passed").asBoolean(), c.toString()));
        assertTrue(root.get("selection").get("works").asBoolean());
        assertTrue(root.get("selection").has("not_chosen"));
        if (root.get("opencl").get("available").asBoolean()) {
            JsonNode platform = root.get("opencl").get("platforms").get(0);
            for (String f : List.of("name", "vendor", "version")) {
                assertTrue(platform.has(f), "platform." + f);
            }
            JsonNode device = platform.get("devices").get(0);
            for (String f : DEVICE_FIELDS) {
                assertTrue(device.has(f), "device." + f + " in " + device);
            }
            device.get("check").forEach(c -> assertTrue(c.get("passed").asBoolean(), c.toString()));
            assertTrue(device.get("check").size() >= 15, device.get("check").toString());
            if (device.get("type").asText().equals("CPU")) {
                // No emulated inline PTX on a CPU device, and not the tiling sweep (about 15 per algorithm).
                java.util.Set<String> gemmTilings = new java.util.HashSet<>();
                for (JsonNode c : device.get("check")) {
                    String what = c.get("what").asText();
                    assertFalse(what.contains("mma") || what.contains("async"), what);
                    if (what.contains(" with implicit gemm ")) {
                        gemmTilings.add(what.substring(what.indexOf(" with implicit gemm ")).replaceFirst(" \\[.*]$", ""));
                    }
                }
                assertFalse(gemmTilings.isEmpty(), "the implicit GEMM is checked");
                assertTrue(gemmTilings.size() <= 3, "implicit GEMM tilings checked: " + gemmTilings);
            }
        } else {
            assertFalse(TestSupport.openClRequired(), "OpenCL is required here: " + root.get("opencl"));
        }
    }

    @Test
    void withoutOpenClItNamesJavaAndSaysWhy(@TempDir Path empty) throws Exception {
        NoOpenClFallbackTest.Forked f = NoOpenClFallbackTest.fork(Map.of("OCL_ICD_VENDORS", empty.toString()), "devices", "--json");
        assertEquals(0, f.exit(), f.stdout() + f.stderr());
        JsonNode root = new ObjectMapper().readTree(f.stdout());
        assertFalse(root.get("opencl").get("available").asBoolean());
        assertTrue(root.get("opencl").get("reason").asText().contains("platform"));
        assertEquals("java", root.get("selection").get("backend").asText());
        NoOpenClFallbackTest.Forked text = NoOpenClFallbackTest.fork(Map.of("OCL_ICD_VENDORS", empty.toString()), "devices");
        assertEquals(0, text.exit());
        assertTrue(text.stdout().contains("OpenCL: unavailable"), text.stdout());
        assertTrue(text.stdout().contains("Chosen: java"), text.stdout());
    }

    @Test
    void checkTakesOnlyTheNamedBackends() throws Exception {
        CliRun r = CliRun.of("devices", "--json", "--check", "-b", "java");
        assertEquals(0, r.exit(), r.out());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertTrue(root.get("java").get("check").size() >= 10, "the Java backend is checked");
        for (JsonNode p : root.get("opencl").get("platforms")) {
            for (JsonNode d : p.get("devices")) {
                assertFalse(d.has("check"), "an OpenCL device checked although only java was named: " + d);
                assertTrue(d.has("name"), "every device is still listed");
            }
        }
        assertEquals(2, CliRun.of("devices", "--check", "-b", "cuda").exit(), "an unknown backend is a usage error");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, CliRun.of("devices", "--no-such-flag").exit());
        assertEquals(2, CliRun.of("verify").exit());
    }

    @Test
    void aForcedBackendThatCannotRunExitsWithOne(@TempDir Path empty) throws Exception {
        NoOpenClFallbackTest.Forked forced = NoOpenClFallbackTest.fork(
                Map.of("OCL_ICD_VENDORS", empty.toString(), "CONVCL_BACKEND", "opencl-gpu"), "devices");
        assertEquals(1, forced.exit(), forced.stdout() + forced.stderr());
        assertTrue(forced.stdout().contains("NOT WORKING") || forced.stdout().contains("Chosen: none"), forced.stdout());
    }
}
