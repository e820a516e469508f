package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.OutboxRelay;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay when the application context has been refreshed and stops it ({@link
 * OutboxRelay#close()}) when the context closes.
 *
 * <p>Phase {@value #PHASE}: lifecycles stop from the highest phase down, so the relay stops before
 * the web server's graceful shutdown ({@code Integer.MAX_VALUE - 1024}) and the web server itself
 * ({@code Integer.MAX_VALUE - 2048}), and long before the {@code DataSource} is closed (when the
 * beans are destroyed, after every lifecycle stopped). Health and metrics stay served while it
 * drains.
 *
 * <p>A relay cannot start again once stopped: a context that is stopped and started again keeps it
 * stopped (a Boot application closes its context instead).
 */
final class OutboxRelayLifecycle implements SmartLifecycle {

  static final int PHASE = Integer.MAX_VALUE - 512;

  private final OutboxRelay relay;
  private volatile boolean running;

  OutboxRelayLifecycle(OutboxRelay relay) {
    this.relay = relay;
  }

  @Override
  public void start() {
    relay.start();
    running = true;
  }

  @Override
  public void stop() {
    try {
      relay.close();
    } finally {
      running = false;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
