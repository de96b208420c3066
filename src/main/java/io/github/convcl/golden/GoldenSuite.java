// A directory of golden cases: cases.json and its .npy files.
package io.github.convcl.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads {@code DIR/cases.json} (format 1); also writes new cases in that format (for the fuzzer). */
public final class GoldenSuite {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenSuite() {
    }

    /** Reads every case of {@code dir/cases.json} (or of {@code dir} itself when it is a JSON file). */
    public static List<GoldenCase> load(Path dir) throws IOException {
        Path file = Files.isDirectory(dir) ? dir.resolve("cases.json") : dir;
        Path base = file.toAbsolutePath().getParent();
        JsonNode root = JSON.readTree(file.toFile());
        int format = root.path("format").asInt(1);
        if (format != 1) {
            throw new IOException(file + " has format " + format + "; this version reads format 1");
        }
        List<GoldenCase> cases = new ArrayList<>();
        for (JsonNode c : root.path("cases")) {
            cases.add(new GoldenCase(base, c));
        }
        return cases;
    }

    /** Appends a case to {@code dir/cases.json}, creating it when absent. */
    public static synchronized void append(Path dir, ObjectNode testCase) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("cases.json");
        ObjectNode root;
        if (Files.exists(file)) {
            root = (ObjectNode) JSON.readTree(file.toFile());
        } else {
            root = JSON.createObjectNode();
            root.put("format", 1);
            root.put("reference", "ConvCL float64 reference");
            root.putArray("cases");
        }
        ((ArrayNode) root.get("cases")).add(testCase);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
