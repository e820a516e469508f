package dev.outboxrelay.internal;

/** Who published a message: the writer's fast path right after commit, or the relay. */
public enum PublishPath {
  FAST_PATH("fast-path"),
  RELAY("relay");

  private final String tag;

  PublishPath(String tag) {
    this.tag = tag;
  }

  /** The value of the {@code path} tag of the metrics: {@code fast-path} or {@code relay}. */
  public String tag() {
    return tag;
  }
}
