package dev.outboxrelay.relay.boot;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * SIGTERM (how Kubernetes, systemd and {@code docker stop} ask a process to stop) closes the
 * application context and exits with its exit code, 0 after a clean stop. Without this the JVM runs
 * its shutdown hooks, Spring Boot's graceful close among them, and still exits with 143 (128 +
 * SIGTERM), which supervisors report as a failure.
 *
 * <p>The handler is installed with {@code sun.misc.Signal} (module {@code jdk.unsupported}, there
 * in every JDK since 9), called reflectively so that the build stays free of "internal proprietary
 * API" warnings. Where it is missing, or the JVM runs with {@code -Xrs}, the default stays.
 */
final class SigtermExit {
  private static final Logger log = LoggerFactory.getLogger(SigtermExit.class);

  private SigtermExit() {}

  static void install(ConfigurableApplicationContext context) {
    AtomicBoolean exiting = new AtomicBoolean();
    Runnable onSigterm =
        () -> {
          if (!exiting.compareAndSet(false, true)) {
            return; // already stopping
          }
          log.info("SIGTERM received: stopping the relay");
          // Closes the context (the relay's lifecycle stop, the graceful web shutdown, the pool)
          // and returns the exit code: 0 unless an ExitCodeGenerator or the close says otherwise.
          int code = SpringApplication.exit(context);
          System.exit(code);
        };
    try {
      handle("TERM", onSigterm);
    } catch (ReflectiveOperationException | RuntimeException e) {
      Throwable cause =
          e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
      log.warn("cannot handle SIGTERM, it will exit with status 143: {}", cause.toString());
    }
  }

  /** {@code sun.misc.Signal.handle(new Signal(name), signal -> action.run())}. */
  private static void handle(String name, Runnable action) throws ReflectiveOperationException {
    Class<?> signalType = Class.forName("sun.misc.Signal");
    Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
    Object signal = signalType.getConstructor(String.class).newInstance(name);
    Object handler =
        Proxy.newProxyInstance(
            SigtermExit.class.getClassLoader(),
            new Class<?>[] {handlerType},
            (proxy, method, arguments) -> {
              switch (method.getName()) {
                case "handle":
                  action.run();
                  return null;
                case "equals":
                  return proxy == arguments[0];
                case "hashCode":
                  return System.identityHashCode(proxy);
                default:
                  return "SigtermExit handler for SIG" + name;
              }
            });
    Method handle = signalType.getMethod("handle", signalType, handlerType);
    handle.invoke(null, signal, handler);
  }
}
