// The anchors bench compares against: one timing file, or the fastest of several per layer.
package io.github.convcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convcl.golden.GoldenSuite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the anchors' timing files ({@code bench_torch.py}, {@code bench_onednn.py}, {@code OrtBench.java}: each
 * {@code {"device": ..., "layers": {NAME: {"ms": ...}}}}) into one of the same shape that holds, per layer, the
 * fastest anchor's time and, under {@code "anchor"}, which one it was. With one file it is that file.
 */
final class Anchors {
    private Anchors() {
    }

    static JsonNode fastest(List<Path> files) throws IOException {
        if (files.size() == 1) {
            JsonNode only = GoldenSuite.readJson(files.get(0));
            requireLayers(files.get(0), only);
            return only;
        }
        ObjectNode merged = GoldenSuite.json().createObjectNode();
        ObjectNode layers = merged.putObject("layers");
        List<String> names = new ArrayList<>();
        boolean tf32 = false;
        for (Path f : files) {
            JsonNode root = GoldenSuite.readJson(f);
            requireLayers(f, root);
            String name = root.path("device").asText(f.getFileName().toString());
            names.add(name);
            tf32 |= root.path("tf32").asBoolean(false);
            root.path("layers").fields().forEachRemaining(e -> {
                double ms = e.getValue().path("ms").asDouble(Double.NaN);
                JsonNode have = layers.get(e.getKey());
                if (ms > 0 && (have == null || ms < have.path("ms").asDouble())) {
                    layers.putObject(e.getKey()).put("ms", ms).put("anchor", name);
                }
            });
        }
        merged.put("device", "fastest of " + String.join(", ", names));
        merged.put("tf32", tf32);
        return merged;
    }

    private static void requireLayers(Path file, JsonNode root) throws IOException {
        if (!root.path("layers").isObject() || root.path("layers").isEmpty()) {
            throw new IOException(file + " holds no layer timings (a 'layers' object of {\"ms\": ...}, as bench_torch.py writes)");
        }
    }
}
