package dev.outboxrelay.relay;

import dev.outboxrelay.internal.OutboxStore;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/** Asks the business database itself, through a read-only connection: {@code t_msg_order}. */
final class DatabaseCheckBack implements CheckBackSource {
  private final OutboxStore business;

  DatabaseCheckBack(DataSource businessDataSource) {
    this.business = new OutboxStore(businessDataSource);
  }

  @Override
  public Set<String> committed(List<String> busMsgIds) {
    return business.recordedBusMsgIds(busMsgIds);
  }

  @Override
  public String describe() {
    return "the business database";
  }
}
