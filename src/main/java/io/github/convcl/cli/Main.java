// The convcl command line: one picocli subcommand per class.
package io.github.convcl.cli;

import io.github.convcl.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code convcl}. Exit status: 0 success, 1 a check failed, 2 usage error. */
@Command(name = "convcl", mixinStandardHelpOptions = true, version = "convcl " + Version.VERSION,
        description = "Neural-network convolutions on GPUs and CPUs through OpenCL, with a pure-Java fallback.",
        subcommands = {DemoCommand.class, VerifyCommand.class, AutoencoderCommand.class, NetworkCommand.class, ShapeCommand.class, DevicesCommand.class, BenchCommand.class, FuzzCommand.class, TuneCommand.class, 
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (used by tests without exiting the JVM). */
    public static int run(String... args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "convcl-cli-logback.xml");
        }
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    // Bad values are a usage error (2); a backend that cannot run is a failure (1); both without a trace.
                    if (ex instanceof IllegalArgumentException) {
                        cmd.getErr().println("error: " + ex.getMessage());
                        return 2;
                    }
                    // A file the user named that is missing, unreadable or malformed: one line naming it.
                    if (ex instanceof java.nio.file.NoSuchFileException e) {
                        cmd.getErr().println("error: " + e.getFile() + ": " + (e.getReason() == null ? "no such file" : e.getReason()));
                        return 2;
                    }
                    if (ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException) {
                        cmd.getErr().println("error: " + ex.getMessage());
                        return 2;
                    }
                    if (ex instanceof io.github.convcl.backend.BackendUnavailableException) {
                        cmd.getErr().println("error: " + ex.getMessage());
                        return 1;
                    }
                    throw ex;
                })
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
