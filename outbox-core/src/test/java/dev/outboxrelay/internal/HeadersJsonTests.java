package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadersJsonTests {

  @Test
  void roundTripsEscapesControlCharactersAndUnicode() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    headers.put("quote\"back\\slash", "tab\tnew\nline\r\u0001 é 积分 😀 /");
    headers.put("empty", "");

    String json = HeadersJson.encode(headers);

    assertThat(json).startsWith("{\"traceparent\":").doesNotContain("\n").doesNotContain("\u0001");
    assertThat(HeadersJson.decode(json)).containsExactlyEntriesOf(headers);
  }

  @Test
  void noHeadersIsSqlNullAndReadsBackEmpty() {
    assertThat(HeadersJson.encode(Map.of())).isNull();
    assertThat(HeadersJson.decode(null)).isEmpty();
    assertThat(HeadersJson.decode("{}")).isEmpty();
    assertThat(HeadersJson.decode(" { } ")).isEmpty();
  }

  @Test
  void readsMySqlNormalizedJsonWithWhitespaceAndUnicodeEscapes() {
    assertThat(HeadersJson.decode("{\"a\": \"1\", \"b\": \"\\u00e9\\ud83d\\ude00\"}"))
        .containsEntry("a", "1")
        .containsEntry("b", "é😀");
  }

  @Test
  void refusesWhatIsNotAnObjectOfStrings() {
    assertThatThrownBy(() -> HeadersJson.decode("{\"a\": 1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("t_msg.headers is not a JSON object of strings");
    assertThatThrownBy(() -> HeadersJson.decode("{\"a\": \"1\"} x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HeadersJson.decode("[\"a\"]"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HeadersJson.decode("{\"a\": \"1"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
