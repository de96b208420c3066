package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The structure the sources keep: packages without cycles, and settings read in one place. */
class ArchitectureTest {
    static final Path MAIN = Path.of("src/main/java/io/github/convcl");
    static final Pattern REFERENCE = Pattern.compile("io\\.github\\.convcl\\.([a-z]+\\.)?([A-Z]\\w*)");

    static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The package of a source file: its folder under io.github.convcl, or "" for the root package. */
    static String packageOf(Path f) {
        Path rel = MAIN.relativize(f.getParent());
        return rel.toString().replace('/', '.');
    }

    @Test
    void packagesDependWithoutCycles() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (Path f : sources()) {
            String from = packageOf(f);
            Set<String> to = uses.computeIfAbsent(from, k -> new TreeSet<>());
            Matcher m = REFERENCE.matcher(Files.readString(f));
            while (m.find()) {
                String p = m.group(1) == null ? "" : m.group(1).substring(0, m.group(1).length() - 1);
                if (!p.equals(from)) {
                    to.add(p);
                }
            }
        }
        assertTrue(uses.size() >= 8, uses.toString());
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            // every package reachable from start; start among them is a cycle
            Set<String> seen = new TreeSet<>();
            List<String> todo = new ArrayList<>(uses.get(start));
            while (!todo.isEmpty()) {
                String p = todo.remove(todo.size() - 1);
                if (seen.add(p)) {
                    todo.addAll(uses.getOrDefault(p, Set.of()));
                }
            }
            if (seen.contains(start)) {
                cycles.add("'" + start + "' reaches itself through " + seen);
            }
        }
        assertEquals(List.of(), cycles, "package dependencies: " + uses);
        assertEquals(Set.of(), uses.get("spec"), "the spec depends on nothing");
        assertEquals(Set.of(), uses.get("config"), "the settings depend on nothing");
        assertEquals(Set.of("config", "spec"), uses.get("plan"), "the planner sees specs and settings only");
    }

    /**
     * Only {@code config.Settings} reads ConvCL's system properties and environment variables; the other reads are of
     * the JVM itself (architecture, Java home, the logging backend's file).
     */
    @Test
    void settingsAreReadInOnePlace() throws IOException {
        Pattern read = Pattern.compile("System\\.getProperty\\(|System\\.getenv\\(|System\\.getProperties\\(|Long\\.getLong\\(|"
                + "Integer\\.getInteger\\(|Boolean\\.getBoolean\\(");
        Map<String, String> jvmFacts = Map.of("jvm/CpuInfo.java", "os.arch", "opencl/OpenCl.java", "java.home",
                "cli/Main.java", "logback.configurationFile");
        List<String> found = new ArrayList<>();
        for (Path f : sources()) {
            String rel = MAIN.relativize(f).toString();
            if (rel.equals("config/Settings.java")) {
                continue;
            }
            for (String line : Files.readAllLines(f)) {
                if (read.matcher(line).find() && !(jvmFacts.containsKey(rel) && line.contains(jvmFacts.get(rel)))) {
                    found.add(rel + ": " + line.trim());
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
