package dev.outboxrelay.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Markdown table of Spring Boot properties held to the configuration metadata the build generates
 * from the properties classes: every declared property is a row that starts with its default, and
 * no row names a property that is not declared. The documentation tests of {@code outbox-api} and
 * {@code outbox-relay} share it, so both tables are read by the same rules.
 */
public final class DocumentedProperties {
  private static final Pattern PROPERTY =
      Pattern.compile("\\{\\s*\"name\":\\s*\"([^\"]+)\"(.*?)}", Pattern.DOTALL);
  private static final Pattern DEFAULT = Pattern.compile("\"defaultValue\":\\s*\"?([^\",\\s}]+)");

  private DocumentedProperties() {}

  /**
   * What differs between the table and the metadata, one line each; empty when they agree.
   *
   * @param metadata the module's {@code META-INF/spring-configuration-metadata.json}, not null
   * @param markdown the page holding the table: rows {@code | `name` | `default` … | meaning |}, a
   *     map property as {@code `name.*`}
   * @param prefix the properties compared, e.g. {@code "outbox.relay."}; rows and metadata entries
   *     outside it are ignored
   * @throws IOException when either cannot be read
   */
  public static List<String> mismatches(InputStream metadata, Path markdown, String prefix)
      throws IOException {
    Map<String, String> declared = declared(metadata, prefix);
    Map<String, String> documented = documented(markdown, prefix);
    List<String> mismatches = new ArrayList<>();
    declared.forEach(
        (name, defaultValue) -> {
          String row = documented.get(name);
          if (row == null) {
            mismatches.add(name + " is declared but not in " + markdown);
          } else if (defaultValue != null
              && !normalize(row).startsWith("`" + normalize(defaultValue) + "`")) {
            mismatches.add(
                name + " defaults to " + defaultValue + ", " + markdown + " says " + row);
          }
        });
    documented.keySet().stream()
        .filter(name -> !declared.containsKey(name))
        .forEach(name -> mismatches.add(name + " is in " + markdown + " but not declared"));
    return mismatches;
  }

  private static Map<String, String> declared(InputStream metadata, String prefix)
      throws IOException {
    String json = new String(metadata.readAllBytes(), StandardCharsets.UTF_8);
    json = json.substring(json.indexOf("\"properties\"")); // after the groups
    Map<String, String> properties = new LinkedHashMap<>();
    Matcher property = PROPERTY.matcher(json);
    while (property.find()) {
      if (property.group(1).startsWith(prefix)) {
        Matcher defaultValue = DEFAULT.matcher(property.group(2));
        properties.put(
            property.group(1),
            defaultValue.find() ? defaultValue.group(1).replace("\\/", "/") : null); // JSON's \/
      }
    }
    return properties;
  }

  private static Map<String, String> documented(Path markdown, String prefix) throws IOException {
    Pattern rowPattern =
        Pattern.compile(
            "^\\| `(" + Pattern.quote(prefix) + "[a-z.-]+?)(\\.\\*)?` \\| ([^|]*) \\|",
            Pattern.MULTILINE);
    Map<String, String> rows = new LinkedHashMap<>();
    Matcher row = rowPattern.matcher(Files.readString(markdown));
    while (row.find()) {
      rows.put(row.group(1), row.group(3));
    }
    return rows;
  }

  /** 2 and 2.0 are the same default. */
  private static String normalize(String value) {
    return value.replaceAll("(\\d)\\.0\\b", "$1");
  }
}
