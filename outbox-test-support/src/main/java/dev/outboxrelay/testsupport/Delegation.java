package dev.outboxrelay.testsupport;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/** For tests' dynamic proxies over JDBC objects: calls through to the real object. */
public final class Delegation {
  private Delegation() {}

  /**
   * Calls {@code method} on {@code target}; throws what the method threw, not the reflection's
   * wrapper, so that a proxy behaves as the object it wraps (e.g. an {@code SQLException}).
   */
  public static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
