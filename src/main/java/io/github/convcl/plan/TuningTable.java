// Tuned plans per device and layer class: shipped defaults plus the per-user file `convcl tune` writes.
package io.github.convcl.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Plans measured best per device and layer class. Keys of the user file are {@code "device name | driver version"};
 * the shipped defaults ({@code tuning-defaults.json} on the class path) are keyed by a fragment of the device name. The user file is
 * {@code -Dconvcl.tuning.file}, else {@code $XDG_CONFIG_HOME/convcl/tuning.json}, else {@code ~/.config/convcl/tuning.json}.
 */
public final class TuningTable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Map<String, Plan>> devices;

    private TuningTable(Map<String, Map<String, Plan>> devices) {
        this.devices = devices;
    }

    public static TuningTable empty() {
        return new TuningTable(new TreeMap<>());
    }

    /** The device key of a name and driver version. */
    public static String key(String deviceName, String driverVersion) {
        return deviceName + " | " + driverVersion;
    }

    /** The shipped defaults. */
    public static TuningTable defaults() {
        try (InputStream in = TuningTable.class.getResourceAsStream("/tuning-defaults.json")) {
            return in == null ? empty() : parse(JSON.readTree(in));
        } catch (IOException | RuntimeException e) {
            return empty();
        }
    }

    /** A tuning file, or an empty table when it is absent or unreadable. */
    public static TuningTable read(Path file) {
        if (!Files.isRegularFile(file)) {
            return empty();
        }
        try {
            return parse(JSON.readTree(file.toFile()));
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(TuningTable.class).warn("Ignoring unreadable tuning file {}: {}", file, e.toString());
            return empty();
        }
    }

    /**
     * The plans for a device: the shipped defaults whose key is part of the device name, overridden by the user
     * file's entry for this exact device and driver.
     */
    public static Map<String, Plan> lookup(String deviceName, String driverVersion, Path userFile) {
        Map<String, Plan> plans = new HashMap<>();
        defaults().devices.forEach((fragment, p) -> {
            if (deviceName.contains(fragment)) {
                plans.putAll(p);
            }
        });
        plans.putAll(read(userFile).devices.getOrDefault(key(deviceName, driverVersion), Map.of()));
        return plans;
    }

    public Map<String, Plan> plans(String key) {
        return devices.getOrDefault(key, Map.of());
    }

    public void put(String key, String layerClass, Plan plan) {
        devices.computeIfAbsent(key, k -> new TreeMap<>()).put(layerClass, plan);
    }

    /** Writes the table atomically (temporary file, then rename). */
    public void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", 1);
        ObjectNode devs = root.putObject("devices");
        devices.forEach((key, plans) -> {
            ObjectNode d = devs.putObject(key);
            plans.forEach((cls, plan) -> {
                ObjectNode p = d.putObject(cls);
                p.put("algorithm", plan.algorithm().name());
                Tuning t = plan.tuning();
                p.put("tm", t.tm()).put("tn", t.tn()).put("tk", t.tk()).put("wm", t.wm()).put("wn", t.wn());
            });
        });
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "tuning", ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static TuningTable parse(JsonNode root) {
        Map<String, Map<String, Plan>> devices = new TreeMap<>();
        root.path("devices").fields().forEachRemaining(d -> {
            Map<String, Plan> plans = new TreeMap<>();
            d.getValue().fields().forEachRemaining(e -> {
                JsonNode p = e.getValue();
                Algorithm a = Algorithm.valueOf(p.path("algorithm").asText());
                Tuning t = new Tuning(p.path("tm").asInt(), p.path("tn").asInt(), p.path("tk").asInt(), p.path("wm").asInt(), p.path("wn").asInt());
                plans.put(e.getKey(), new Plan(a, t.tm() == 0 ? Tuning.NONE : t));
            });
            devices.put(d.getKey(), plans);
        });
        return new TuningTable(devices);
    }
}
