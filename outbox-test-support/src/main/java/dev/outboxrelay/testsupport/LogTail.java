package dev.outboxrelay.testsupport;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The last lines of a server's log, for exception messages that explain a failed start. */
final class LogTail {

  private static final int MAX_BYTES = 16 * 1024;

  private LogTail() {}

  static String of(Path file, int lines) {
    if (!Files.exists(file)) {
      return "(no " + file + ")";
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      int size = (int) Math.min(length, MAX_BYTES);
      byte[] bytes = new byte[size];
      in.seek(length - size);
      in.readFully(bytes);
      String[] all = new String(bytes, StandardCharsets.UTF_8).split("\r?\n");
      String[] last = Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length);
      return "last lines of " + file + ":\n" + String.join("\n", last);
    } catch (IOException e) {
      return "(could not read " + file + ": " + e + ")";
    }
  }
}
