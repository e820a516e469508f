package dev.outboxrelay.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code t_msg.headers} column: a flat JSON object of string values. Hand-written so that the
 * library does not force a Jackson version (2 or 3) on the services that include it; it reads any
 * such object, including MySQL's normalized form of its JSON type.
 */
public final class HeadersJson {
  private HeadersJson() {}

  /** The JSON text of {@code headers}, or {@code null} for no headers (stored as SQL NULL). */
  public static @Nullable String encode(@Nullable Map<String, String> headers) {
    if (headers == null || headers.isEmpty()) {
      return null;
    }
    StringBuilder out = new StringBuilder(32 * headers.size());
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      appendString(out, header.getKey());
      out.append(':');
      appendString(out, header.getValue());
    }
    return out.append('}').toString();
  }

  /** The headers of a JSON object of strings; {@code null} or blank reads as no headers. */
  public static Map<String, String> decode(@Nullable String json) {
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new Parser(json).object());
  }

  private static void appendString(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    Map<String, String> object() {
      Map<String, String> result = new LinkedHashMap<>();
      expect('{');
      if (peek() == '}') {
        pos++;
        return end(result);
      }
      while (true) {
        String name = string();
        expect(':');
        result.put(name, string());
        char next = next();
        if (next == '}') {
          return end(result);
        }
        if (next != ',') {
          throw error("',' or '}'");
        }
      }
    }

    private Map<String, String> end(Map<String, String> result) {
      skipWhitespace();
      if (pos != text.length()) {
        throw error("end of input");
      }
      return result;
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (pos < text.length()) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        if (pos >= text.length()) {
          break;
        }
        char escaped = text.charAt(pos++);
        switch (escaped) {
          case '"', '\\', '/' -> out.append(escaped);
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw error("four hex digits");
            }
            out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> throw error("a JSON escape");
        }
      }
      throw error("closing '\"'");
    }

    private void expect(char expected) {
      if (next() != expected) {
        throw error("'" + expected + "'");
      }
    }

    private char next() {
      char c = peek();
      pos++;
      return c;
    }

    private char peek() {
      skipWhitespace();
      if (pos >= text.length()) {
        throw error("more input");
      }
      return text.charAt(pos);
    }

    private void skipWhitespace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private IllegalArgumentException error(String expected) {
      return new IllegalArgumentException(
          "t_msg.headers is not a JSON object of strings: expected "
              + expected
              + " at offset "
              + pos);
    }
  }
}
