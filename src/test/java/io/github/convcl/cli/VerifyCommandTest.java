// convcl verify: the closing line, the exit status, and every plan on demand.
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.TestSupport;
import org.junit.jupiter.api.Test;

class VerifyCommandTest {
    @Test
    void goldenCasesPassOnJavaWithTheClosingLine() {
        CliRun r = CliRun.of("verify", TestSupport.goldenDir().toString(), "-b", "java");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().trim().matches("(?s).*\\n\\d+ passed, 0 failed"), r.out());
    }

    @Test
    void verifyCanRunEveryPlan() throws Exception {
        CliRun r = CliRun.of("verify", TestSupport.goldenDir().toString(), "-b", "java", "--all-plans", "-q");
        assertEquals(0, r.exit(), r.out());
        int passed = Integer.parseInt(r.out().trim().replaceAll("(?s).*?(\\d+) passed, 0 failed\\s*$", "$1"));
        assertTrue(passed > 2 * 71, r.out());
    }

    @Test
    void anUnavailableBackendIsAFailure() {
        CliRun r = CliRun.of("verify", TestSupport.goldenDir().toString(), "-b", "opencl-gpu:no-such-device");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("0 passed, 1 failed"), r.out());
    }
}
