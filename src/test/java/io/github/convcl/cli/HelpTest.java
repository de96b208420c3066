// Every command's help renders as written: no picocli format warning, no unreplaced format specifier.
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HelpTest {
    @Test
    void everyCommandsHelpRendersWithoutFormatWarnings() {
        CommandLine root = new CommandLine(new Main());
        List<CommandLine> commands = new java.util.ArrayList<>(root.getSubcommands().values());
        commands.add(root);
        assertTrue(commands.size() >= 8, "the root and its seven commands and help: " + commands.size());
        for (CommandLine cmd : commands) {
            PrintStream oldErr = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            String usage;
            synchronized (HelpTest.class) {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                try {
                    usage = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
                } finally {
                    System.setErr(oldErr);
                }
            }
            String name = cmd.getCommandName();
            assertEquals("", err.toString(StandardCharsets.UTF_8), name + ": picocli warned while rendering the help");
            assertFalse(usage.contains("%n"), name + ": an unreplaced %n in\n" + usage);
        }
    }

    @Test
    void benchHelpStatesTheWarmUpThreshold() {
        String usage = new CommandLine(new Main()).getSubcommands().get("bench").getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(usage.replaceAll("\\s+", " ").contains("is not 3% faster than the best before it"), usage);
    }
}
