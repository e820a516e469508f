package dev.outboxrelay.example.demo;

import dev.outboxrelay.relay.boot.OutboxRelayApplication;
import java.io.File;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringApplicationRunListener;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The main class of a demo relay process: {@link OutboxRelayApplication#main}, unchanged, plus one
 * listener that writes the HTTP port the relay bound to the file named by the environment variable
 * {@value #PORT_FILE}. The relay listens on a port of the kernel's choosing ({@code SERVER_PORT=0})
 * and {@link RelayProcess} reads it there: a port the demo picked as free and handed over would be
 * free no longer when the relay binds it, seconds later, if the demo's own services took it
 * meanwhile.
 */
public final class RelayMain {
  static final String PORT_FILE = "DEMO_RELAY_PORT_FILE";

  private RelayMain() {}

  public static void main(String[] args) {
    File portFile = new File(System.getenv(PORT_FILE));
    SpringApplication.withHook(
        application ->
            new SpringApplicationRunListener() {
              @Override
              public void contextPrepared(ConfigurableApplicationContext context) {
                context.addApplicationListener(new WebServerPortFileWriter(portFile));
              }
            },
        () -> OutboxRelayApplication.main(args));
  }
}
