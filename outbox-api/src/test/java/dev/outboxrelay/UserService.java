package dev.outboxrelay;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** The article's business service: registering a user emits a message through MsgSender. */
public class UserService {
  static final int USER_REGISTERED = 1;

  private final JdbcTemplate jdbc;
  private final MsgSender msgSender;

  public UserService(JdbcTemplate jdbc, MsgSender msgSender) {
    this.jdbc = jdbc;
    this.msgSender = msgSender;
  }

  static String message(long userId, String userName) {
    return "[user_id:" + userId + ",user_name:" + userName + "]";
  }

  @Transactional
  public long register(long userId, String userName) {
    jdbc.update("INSERT INTO t_user (id, name) VALUES (?, ?)", userId, userName);
    return msgSender.send(message(userId, userName), USER_REGISTERED, "user-" + userId);
  }

  /** Writes the user and the message, then fails: the transaction rolls back. */
  @Transactional
  public void registerFail(long userId, String userName) {
    register(userId, userName);
    throw new IllegalStateException("registration of user " + userId + " failed");
  }

  /** Runs in a transaction of its own, which commits whatever the caller's does. */
  @Transactional(propagation = Propagation.REQUIRES_NEW)
  public long registerRequiresNew(long userId, String userName) {
    return register(userId, userName);
  }

  /** Runs in a savepoint of the caller's transaction and fails: back to the savepoint. */
  @Transactional(propagation = Propagation.NESTED)
  public void registerNestedFail(long userId, String userName) {
    register(userId, userName);
    throw new IllegalStateException("registration of user " + userId + " failed");
  }
}
