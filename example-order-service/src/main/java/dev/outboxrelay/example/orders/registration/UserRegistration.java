package dev.outboxrelay.example.orders.registration;

import dev.outboxrelay.MsgSender;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The article's registration service: registering a user writes {@code t_user} and sends a message
 * through {@link MsgSender} (topic {@code outbox.default-topic}, reference {@code (USER_REGISTERED,
 * "user-<id>")}) in the same transaction.
 */
@Service
public class UserRegistration {
  public static final int USER_REGISTERED = 1;

  private final JdbcTemplate jdbc;
  private final MsgSender msgSender;

  UserRegistration(JdbcTemplate jdbc, MsgSender msgSender) {
    this.jdbc = jdbc;
    this.msgSender = msgSender;
  }

  /** The reference id of user {@code userId}'s message. */
  public static String refId(long userId) {
    return "user-" + userId;
  }

  /** Scenario 1: commits; the message is delivered. */
  @Transactional
  public long register(long userId, String name) {
    jdbc.update("INSERT INTO t_user (id, name) VALUES (?, ?)", userId, name);
    return msgSender.send(
        "{\"userId\":" + userId + ",\"event\":\"registered\"}", USER_REGISTERED, refId(userId));
  }

  /** Scenario 2: registers, then fails; the transaction rolls back, the message with it. */
  @Transactional
  public void registerFail(long userId, String name) {
    register(userId, name);
    throw new IllegalStateException("registration of user " + userId + " failed on purpose");
  }

  /** Registers in a transaction of its own, which commits whatever its caller's does. */
  @Transactional(propagation = Propagation.REQUIRES_NEW)
  public long registerRequiresNew(long userId, String name) {
    return register(userId, name);
  }
}
