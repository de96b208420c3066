// convcl network: the whole network's median time and its JSON record (its usage errors: CliUserErrorTest).
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkCommandTest {
    /** GoogLeNet on the Java backend: the record holds the model, batch, backend, a positive median and each layer kind. */
    @Test
    void googlenetWritesItsRecord(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("net.json");
        CliRun r = CliRun.of("network", "--model", "googlenet", "--batch", "1", "-b", "java", "--repeats", "2", "--warmup-ms", "0",
                "--json", json.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("images/s"), r.out());
        JsonNode n = new ObjectMapper().readTree(Files.readString(json));
        assertEquals("googlenet", n.get("model").asText());
        assertEquals(1, n.get("batch").asInt());
        assertEquals("java", n.get("backend").asText());
        assertEquals("fp32", n.get("precision").asText());
        double ms = n.get("ms").asDouble();
        assertTrue(ms > 0 && Double.isFinite(ms), "ms " + ms);
        assertEquals(1000 / ms, n.get("images_per_second").asDouble(), 1e-6 * (1000 / ms));
        for (String kind : new String[] {"conv 7x7", "conv 1x1", "conv 3x3", "max-pool", "avg-pool"}) {
            assertTrue(n.get("per_kind_ms").has(kind), kind + " in " + n);
        }
        // the cores' rates around the run: the register tile's and the FMA units' alone (none without the Vector API)
        boolean vector = io.github.convcl.jvm.JavaBackend.vectorBits() > 0;
        for (String check : new String[] {"core_check_gflops", "fma_check_gflops"}) {
            assertEquals(vector, n.has(check), check + " in " + n);
            if (vector) {
                double rate = n.get(check).asDouble();
                assertTrue(rate > 0 && Double.isFinite(rate), check + " " + rate);
            }
        }
        assertEquals(vector, r.out().contains("FMA units alone"), r.out());
    }

    /** {@code --precision tf32} sets the runtime's precision, which the header line and the record name. */
    @Test
    void tf32IsTheRuntimesPrecisionAndOnRecord(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("net.json");
        CliRun r = CliRun.of("network", "--model", "googlenet", "--batch", "1", "-b", "java", "--repeats", "1", "--warmup-ms", "0",
                "--precision", "TF32", "--json", json.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("activations in NCHW") && r.out().contains(", tf32"), r.out());
        assertEquals("tf32", new ObjectMapper().readTree(Files.readString(json)).get("precision").asText());
    }
}
