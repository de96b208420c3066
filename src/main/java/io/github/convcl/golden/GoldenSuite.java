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
        if (!Files.exists(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no such directory or file");
        }
        Path file = Files.isDirectory(dir) ? dir.resolve("cases.json") : dir;
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "holds no cases.json");
        }
        Path base = file.toAbsolutePath().getParent();
        JsonNode root = readJson(file);
        JsonNode format = root.path("format");
        if (!format.isMissingNode() && !(format.isInt() && format.asInt() == 1)) {
            throw new IOException(file + " has format " + format + "; this version reads format 1");
        }
        JsonNode list = root.path("cases");
        if (!list.isArray() || list.isEmpty()) {
            throw new IOException(file + " holds no cases (a 'cases' list of at least one case, shared/README.md)");
        }
        List<GoldenCase> cases = new ArrayList<>();
        for (JsonNode c : list) {
            GoldenCase gc = new GoldenCase(base, c);
            gc.tolerance(); // a malformed tolerance is refused before anything runs
            cases.add(gc);
        }
        return cases;
    }

    /**
     * The JSON document in {@code file}; a missing file or text that is not JSON is an IOException naming the file
     * (and where the JSON breaks), not a parser's trace.
     */
    public static JsonNode readJson(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such file");
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (root == null || root.isMissingNode()) {
                throw new IOException(file + " is empty, not a JSON document");
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
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
