package dev.outboxrelay;

import org.springframework.transaction.annotation.Transactional;

/** The article's outer transactions around {@link UserService}. */
public class Scenarios {
  private final MsgSender msgSender;
  private final UserService users;

  public Scenarios(MsgSender msgSender, UserService users) {
    this.msgSender = msgSender;
    this.users = users;
  }

  /**
   * The article's third scenario: message 1 in this transaction, user 1 in a REQUIRES_NEW one that
   * commits, user 2 in this transaction, which then fails: only user 1's message survives.
   */
  @Transactional
  public void nested(String outerRefId) {
    msgSender.send("message 1", 2, outerRefId);
    users.registerRequiresNew(1, "Zhang San");
    users.registerFail(2, "Li Si");
  }

  /** Message A, then user 3 in a savepoint that is rolled back, then message C; commits. */
  @Transactional
  public void savepoint(String refA, String refC) {
    msgSender.send("message A", 3, refA);
    try {
      users.registerNestedFail(3, "Wang Wu");
    } catch (IllegalStateException expected) {
      // the savepoint is rolled back, the outer transaction goes on
    }
    msgSender.send("message C", 3, refC);
  }
}
