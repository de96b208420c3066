package io.github.convcl.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SettingsTest {
    static Properties props(String... kv) {
        Properties p = new Properties();
        p.setProperty("user.home", "/home/u");
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void defaultsWhenNothingIsSet() {
        Settings s = Settings.read(props(), Map.of());
        assertNull(s.backend());
        assertEquals("automatic choice", s.backendSource());
        assertNull(s.precision());
        assertNull(s.threads());
        assertEquals(Settings.DEFAULT_LINGER_MICROS, s.lingerMicros());
        assertEquals(Settings.JavaChoices.PLANNER, s.java());
        assertEquals(Settings.GemmChoices.PLANNER, s.gemm());
        assertEquals("auto", s.tensorCores());
        assertTrue(s.programCache());
        assertEquals(Path.of("/home/u/.cache/convcl"), s.cacheDir());
        assertEquals(Path.of("/home/u/.config/convcl/tuning.json"), s.tuningFile());
        assertEquals(Settings.DEFAULT_MAX_LAUNCH_FLOPS, s.maxLaunchFlops());
    }

    @Test
    void aPropertyWinsOverItsVariableWhichWinsOverTheDefault() {
        Map<String, String> env = Map.of("CONVCL_BACKEND", "opencl-cpu", "CONVCL_THREADS", "3", "CONVCL_PRECISION", "tf32",
                "XDG_CACHE_HOME", "/xdg/cache", "XDG_CONFIG_HOME", "/xdg/config");
        Settings fromEnv = Settings.read(props(), env);
        assertEquals("opencl-cpu", fromEnv.backend());
        assertEquals("environment CONVCL_BACKEND=opencl-cpu", fromEnv.backendSource());
        assertEquals("3", fromEnv.threads());
        assertEquals("tf32", fromEnv.precision());
        assertEquals(Path.of("/xdg/cache/convcl"), fromEnv.cacheDir());
        assertEquals(Path.of("/xdg/config/convcl/tuning.json"), fromEnv.tuningFile());
        Settings fromProps = Settings.read(props("convcl.backend", "java", "convcl.threads", "1", "convcl.cache.dir", "/c",
                "convcl.tuning.file", "/t.json", "convcl.precision", "fp32"), env);
        assertEquals("java", fromProps.backend());
        assertEquals("system property convcl.backend=java", fromProps.backendSource());
        assertEquals("1", fromProps.threads());
        assertEquals("fp32", fromProps.precision());
        assertEquals(Path.of("/c"), fromProps.cacheDir());
        assertEquals(Path.of("/t.json"), fromProps.tuningFile());
    }

    @Test
    void forcedChoicesAndSwitches() {
        Settings s = Settings.read(props("convcl.rowTiles", "false", "convcl.localPadding", "true", "convcl.rowsLocal", "false",
                "convcl.depthwiseUnpadded", "false", "convcl.gemm.tapMajor", "off", "convcl.gemm.rowTaps", "OFF", "convcl.cache", "off",
                "convcl.tensorCores", "Native", "convcl.lingerMicros", "0", "convcl.maxLaunchFlops", "20000"), Map.of());
        assertEquals(new Settings.JavaChoices(false, true, false, false), s.java());
        assertEquals(new Settings.GemmChoices(false, false), s.gemm());
        assertFalse(s.programCache());
        assertEquals("native", s.tensorCores());
        assertEquals(0, s.lingerMicros());
        assertEquals(20000, s.maxLaunchFlops());
    }

    @Test
    void aNumberThatDoesNotParseIsRefusedWithItsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.read(props("convcl.maxLaunchFlops", "lots"), Map.of()));
        assertTrue(e.getMessage().contains("convcl.maxLaunchFlops=lots"), e.getMessage());
    }

    @Test
    void theWithersChangeOneSetting() {
        Settings s = Settings.defaults();
        assertEquals("4", s.withThreads("4").threads());
        assertEquals("opencl-cpu", s.withBackend("opencl-cpu").backend());
        assertFalse(s.withCacheDir(null).programCache());
        assertEquals(Path.of("/x"), s.withCacheDir(Path.of("/x")).cacheDir());
        assertEquals(7, s.withMaxLaunchFlops(7).maxLaunchFlops());
        assertEquals("off", s.withTensorCores("off").tensorCores());
        assertEquals(Path.of("/t"), s.withTuningFile(Path.of("/t")).tuningFile());
    }
}
