package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DuplicateKeyException;

/** {@link OutboxWrites} on the real server: the write path's statements. */
class OutboxWritesTests extends StoreContractTests {

  @Test
  void sendStoresTheMessageSize() {
    long id = insert("a", 1, NOW, new byte[123], "{\"k\":\"v\"}");
    assertThat(jdbc.queryForObject("SELECT msg_bytes FROM t_msg WHERE id = ?", Integer.class, id))
        .isEqualTo(123 + "{\"k\":\"v\"}".length());
  }

  @Test
  void aKeyLockMakesTheNextWriterOfTheKeyWaitUntilTheFirstEnds() throws Exception {
    try (Connection first = dataSource.getConnection();
        Connection second = dataSource.getConnection()) {
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      lockKey(first, "c1");
      // a writer of another key does not wait
      lockKey(second, "c2");
      try (var wait = second.createStatement()) {
        wait.execute("SET SESSION innodb_lock_wait_timeout = 1");
      }
      assertThatThrownBy(() -> lockKey(second, "c1"))
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("Lock wait timeout");
      first.commit();
      lockKey(second, "c1");
      second.commit();
    }
    assertThat(jdbc.queryForList("SELECT msg_key FROM t_msg_key ORDER BY msg_key", String.class))
        .containsExactly("c1", "c2");
  }

  @Test
  void aReferenceIsWrittenOnceAndCarriesItsBusinessMessageId() {
    writes.insertOrder(7, "order-1", "bus-1");
    writes.insertOrder(7, "order-2");

    assertThatThrownBy(() -> writes.insertOrder(7, "order-1"))
        .isInstanceOf(DuplicateKeyException.class);
    assertThat(writes.busMsgIdOfReference(7, "order-1")).contains("bus-1");
    assertThat(writes.busMsgIdOfReference(7, "order-2")).isEmpty();
    assertThat(writes.busMsgIdOfReference(7, "order-3")).isEmpty();
  }

  @Test
  void aPreparedMessageCarriesItsBusinessMessageIdAndIsNotDue() {
    long id =
        writes.insertPrepared(
            new OutboxWrites.NewMessage(null, 1, "ref", "topic", "k", new byte[] {1}, null, 2),
            "bus-9");

    assertThat(writes.statusOf(id)).contains(MessageStatus.PREPARED);
    assertThat(jdbc.queryForObject("SELECT bus_msg_id FROM t_msg WHERE id = ?", String.class, id))
        .isEqualTo("bus-9");
    assertThat(new RoundClaims(dataSource).claimLanes(java.util.List.of(2), 10, MB).rows())
        .isEmpty();
  }
}
