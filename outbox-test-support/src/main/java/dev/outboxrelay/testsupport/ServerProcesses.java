package dev.outboxrelay.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starting and stopping server processes whose output goes to a file, never to a pipe. */
final class ServerProcesses {

  private static final Logger log = LoggerFactory.getLogger(ServerProcesses.class);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

  private ServerProcesses() {}

  /**
   * Starts {@code command} in {@code workDir}, stdout and stderr appended to {@code output}: a pipe
   * nobody reads would fill up and block the server.
   */
  static Process start(List<String> command, Path workDir, Path output) {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(output.toFile()));
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + command.get(0), e);
    }
  }

  /** Runs a command to completion; fails with the output's tail unless it exits with 0. */
  static void run(List<String> command, Path workDir, Path output, Duration timeout) {
    Process process = start(command, workDir, output);
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            command.get(0)
                + " did not finish within "
                + timeout.toSeconds()
                + " s; "
                + LogTail.of(output, 30));
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running " + command.get(0), e);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          command.get(0)
              + " failed with exit code "
              + process.exitValue()
              + "; "
              + LogTail.of(output, 30));
    }
  }

  /**
   * SIGTERM, so the server shuts down cleanly; SIGKILL if it has not exited within {@code grace}.
   */
  static void terminate(Process process, String what, Duration grace) {
    process.destroy();
    try {
      if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
      log.warn("{} did not exit within {} s of SIGTERM; killing it", what, grace.toSeconds());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while stopping " + what, e);
    }
    kill(process, what);
  }

  /** SIGKILL: a crash, nothing flushed; returns once the process has exited. */
  static void kill(Process process, String what) {
    process.destroyForcibly();
    try {
      if (!process.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(what + " (pid " + process.pid() + ") survived SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while killing " + what, e);
    }
  }
}
