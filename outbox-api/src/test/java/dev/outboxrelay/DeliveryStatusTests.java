package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.internal.MessageStatus;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DeliveryStatusTests {

  @Test
  void everyStoredStatusHasAPublicName() {
    // Outbox.deliveryStatus maps t_msg.status by name: a status added to one enum only would throw.
    assertThat(Arrays.stream(DeliveryStatus.values()).map(Enum::name))
        .containsExactlyElementsOf(Arrays.stream(MessageStatus.values()).map(Enum::name).toList());
  }

  @Test
  void statusCodesAreTheSchemaOnes() {
    assertThat(MessageStatus.ofCode(0)).isEqualTo(MessageStatus.PENDING);
    assertThat(MessageStatus.ofCode(3)).isEqualTo(MessageStatus.DEAD);
    assertThatThrownBy(() -> MessageStatus.ofCode(9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("9");
  }
}
