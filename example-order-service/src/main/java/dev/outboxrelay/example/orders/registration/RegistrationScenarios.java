package dev.outboxrelay.example.orders.registration;

import dev.outboxrelay.MsgSender;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The article's third scenario, an outer transaction around {@link UserRegistration}. */
@Service
public class RegistrationScenarios {
  /** The reference type of the outer transaction's own message. */
  public static final int OUTER_MESSAGE = 2;

  private final MsgSender msgSender;
  private final UserRegistration users;

  RegistrationScenarios(MsgSender msgSender, UserRegistration users) {
    this.msgSender = msgSender;
    this.users = users;
  }

  /**
   * Scenario 3: a message in this transaction ({@code outerRefId}), user {@code innerUserId} in a
   * {@code REQUIRES_NEW} transaction that commits, user {@code failingUserId} in this transaction,
   * which then fails. Only the inner user's message survives.
   *
   * @throws IllegalStateException always: the outer transaction rolls back
   */
  @Transactional
  public void nested(String outerRefId, long innerUserId, long failingUserId) {
    msgSender.send("{\"event\":\"outer\"}", OUTER_MESSAGE, outerRefId);
    users.registerRequiresNew(innerUserId, "Zhang San");
    users.registerFail(failingUserId, "Li Si");
  }
}
