package dev.outboxrelay.example.demo;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.example.orders.Publishing;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;

/** Prints the books of every stack side by side. */
final class Summary {
  private Summary() {}

  static void print(DemoRun.Result result, PrintStream out) {
    out.println();
    out.println("Timeline (from the first order):");
    result.timeline().forEach(event -> out.println("  " + event));
    out.printf(
        result.settled()
            ? "Settled %.1f s after the fault timeline ended.%n"
            : "NOT settled: records still unpublished or unconsumed after %.1f s.%n",
        result.settleTime().toMillis() / 1000.0);
    out.println();

    List<Books> books = result.books();
    boolean messageStore = result.mode() == OutboxSettings.Mode.MESSAGE_STORE;
    StringBuilder header = new StringBuilder(String.format("%-44s", ""));
    for (Books b : books) {
      header.append(String.format("%22s", title(b.publishing(), messageStore)));
    }
    out.println(header);
    row(out, books, "orders sent", b -> count(b.sent()));
    row(out, books, "  committed (rows in t_order)", b -> count(b.committed()));
    row(out, books, "  not committed", b -> count(b.sent() - b.committed()));
    row(out, books, "    of which refused: Kafka down (503)", b -> count(b.kafkaDown()));
    if (messageStore) {
      row(
          out,
          books,
          "    their events CANCELLED (message store)",
          b -> b.cancelledEvents() == null ? "-" : count(b.cancelledEvents()));
    }
    row(out, books, "  injected failures answered 500", b -> count(b.failedOnPurpose()));
    row(out, books, "  other errors", b -> count(b.otherErrors()));
    row(out, books, "records on the topic", b -> count(b.recordsOnTopic()));
    row(out, books, "events consumed (distinct)", b -> count(b.eventsConsumed()));
    row(out, books, "orders credited with points", b -> count(b.creditedOrders()));
    row(out, books, "points credited / owed", b -> b.points() + " / " + b.expectedPoints());
    row(out, books, "LOST (committed, never credited)", b -> count(b.lost()));
    row(out, books, "GHOSTS (credited, never committed)", b -> count(b.ghosts()));
    row(out, books, "credited twice", b -> count(b.doubleCredits()));
    row(
        out,
        books,
        "duplicates delivered / deduplicated",
        b -> b.duplicatesDelivered() + " / " + b.deduplicated());
    row(out, books, "records rejected by the consumer", b -> count(b.rejected()));
    row(out, books, "commit -> credit p50 / p99 (ms), orders committed", b -> "");
    row(out, books, "  in the warm-up (the load's first tenth)", b -> millis(b.warmUp()));
    if (result.kafkaOutage()) {
      row(out, books, "  then before the outage", b -> millis(b.beforeOutage()));
      row(out, books, "  during the outage", b -> millis(b.duringOutage()));
      row(
          out,
          books,
          "    last of them published after Kafka back",
          b ->
              b.lastPublishAfterKafkaBackMs() == null
                  ? "-"
                  : seconds(b.lastPublishAfterKafkaBackMs()));
      row(
          out,
          books,
          "    last of them credited after Kafka back",
          b ->
              b.lastCreditAfterKafkaBackMs() == null
                  ? "-"
                  : seconds(b.lastCreditAfterKafkaBackMs()));
      row(out, books, "  after Kafka was back", b -> millis(b.afterOutage()));
    } else {
      row(out, books, "  after the warm-up", b -> millis(b.beforeOutage()));
    }
    row(out, books, "  all", b -> millis(b.latency()));
    row(out, books, "books balance", b -> b.balanced() ? "yes" : "NO");
    out.println();
    if (!result.relaysRan()) {
      out.println(
          "!!! A RELAY REPLICA DID NOT RUN AS DESCRIBED: the outbox's figures above are not those"
              + " of two replicas through a crash.");
      result.relayFailures().forEach(failure -> out.println("!!! " + failure));
      out.println();
    }
    out.println(
        "LOST and GHOSTS come from the ground truth: order rows committed in the order database"
            + " against credits in the points database.");
    if (books.size() > 1) {
      out.println(
          "Approach 1 sends inside the transaction: Kafka down refuses orders, and an order whose"
              + " transaction fails after the send (fail=after-send, fail=at-commit) leaves a"
              + " ghost.");
      out.println(
          "Approach 2 sends after the commit: Kafka down after the commit, or a crash between"
              + " commit and send (fail=after-commit), loses the event of a committed order.");
    }
    String through = result.kafkaOutage() ? ", through the Kafka outage and the relay crash." : ".";
    if (messageStore) {
      out.println(
          "The message store (approach 4) writes the event PREPARED in a message database of its"
              + " own, then confirms it after the order's transaction commits and cancels it after"
              + " a rollback (fail=after-send, fail=at-commit): the fast path or a relay publishes"
              + " only confirmed events"
              + through
              + " An event left PREPARED (the service died before deciding it) is decided by the"
              + " relays' check-back against the order service's endpoint.");
    } else {
      out.println(
          "The outbox writes the event in the order's transaction: it exists if and only if the"
              + " order committed, and the fast path or a relay publishes it"
              + through);
    }
  }

  private static String title(Publishing publishing, boolean messageStore) {
    return switch (publishing) {
      case OUTBOX -> messageStore ? "outbox: message store" : "outbox";
      case IN_TRANSACTION -> "1: send in txn";
      case AFTER_COMMIT -> "2: send after commit";
    };
  }

  private static String millis(Books.Latency latency) {
    return latency.p50Ms() == null
        ? "-"
        : String.format("%.0f / %.0f", latency.p50Ms(), latency.p99Ms());
  }

  /**
   * A time after Kafka was back; one before it (approach 1 refuses the outage's orders, approach 2
   * loses their events: what it credits of them may be all from the broker's last moments) says so.
   */
  private static String seconds(double millis) {
    return millis < 0
        ? String.format("%.1f s before", -millis / 1000.0)
        : String.format("%.1f s", millis / 1000.0);
  }

  private static String count(long n) {
    return String.format("%,d", n);
  }

  private static void row(
      PrintStream out, List<Books> books, String label, Function<Books, String> cell) {
    StringBuilder line = new StringBuilder(String.format("%-44s", label));
    for (Books b : books) {
      line.append(String.format("%22s", cell.apply(b)));
    }
    out.println(line);
  }
}
