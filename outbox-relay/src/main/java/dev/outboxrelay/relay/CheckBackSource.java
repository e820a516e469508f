package dev.outboxrelay.relay;

import java.util.List;
import java.util.Set;

/** Where the check-back learns which business transactions committed. */
interface CheckBackSource {

  /**
   * Those of {@code busMsgIds} that a committed business transaction recorded in {@code
   * t_msg_order}.
   *
   * @throws RuntimeException when there is no answer (unreachable, timed out, malformed): the
   *     messages stay PREPARED and are asked about again later
   */
  Set<String> committed(List<String> busMsgIds);

  /** What the logs call it: {@code database} or the endpoint's URL. */
  String describe();
}
