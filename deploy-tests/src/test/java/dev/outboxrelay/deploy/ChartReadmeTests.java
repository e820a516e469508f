package dev.outboxrelay.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart's README documents its values the Helm community's way, a table of key, type, default
 * and description: held here to values.yaml, every leaf key (an empty map or a list is a leaf) with
 * its type and default, and no other key.
 */
class ChartReadmeTests {
  private static final Pattern ROW =
      Pattern.compile("^\\| `([^`]+)` \\| (\\w+) \\| `(.*?)` \\|", Pattern.MULTILINE);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void valuesTableListsEveryKeyOfValuesYamlWithItsTypeAndDefault() throws IOException {
    Map<String, JsonNode> values = new LinkedHashMap<>();
    leaves(
        new ObjectMapper(new YAMLFactory())
            .readTree(Chart.DIRECTORY.resolve("values.yaml").toFile()),
        "",
        values);
    Map<String, String[]> table = new LinkedHashMap<>();
    Matcher row = ROW.matcher(Files.readString(Chart.DIRECTORY.resolve("README.md")));
    while (row.find()) {
      assertThat(table.put(row.group(1), new String[] {row.group(2), row.group(3)}))
          .as("%s listed once", row.group(1))
          .isNull();
    }

    assertThat(table.keySet()).containsExactlyElementsOf(values.keySet());
    values.forEach(
        (key, value) -> {
          assertThat(table.get(key)[0]).as("type of %s", key).isEqualTo(type(value));
          assertThat(parse(table.get(key)[1])).as("default of %s", key).isEqualTo(value);
        });
  }

  private static void leaves(JsonNode node, String path, Map<String, JsonNode> into) {
    if (node.isObject() && !node.isEmpty()) {
      node.properties()
          .forEach(
              e ->
                  leaves(
                      e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), into));
    } else {
      into.put(path, node);
    }
  }

  /** The type names of the Helm community's values tables (helm-docs). */
  private static String type(JsonNode value) {
    return switch (value.getNodeType()) {
      case STRING -> "string";
      case BOOLEAN -> "bool";
      case NUMBER -> value.isIntegralNumber() ? "int" : "float";
      case ARRAY -> "list";
      case OBJECT -> "object";
      default -> value.getNodeType().toString().toLowerCase();
    };
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
