package io.loadeds;

import java.util.logging.LogManager;

/**
 * The JDK's {@link LogManager}, except that the JVM's shutdown does not switch logging off while
 * the server is still shutting down.
 *
 * <p>Why: the JDK resets logging from a shutdown hook of its own, which runs at the same time as
 * the server's. On SIGTERM the server's "shutting down" and later lines were then lost half of the
 * time, exactly when an operator looks for them. Once {@link #holdResetForShutdownHook} was called,
 * the JDK's hook leaves logging alone, and the server's hook calls {@link #resetAfterShutdown} as
 * its last step (which also writes what the asynchronous log handler still holds).
 *
 * <p>Installed by {@link Main} through {@code java.util.logging.manager} before anything logs; when
 * logging was set up otherwise (an embedding application), the static methods do nothing.
 * Thread-safe.
 */
public final class ShutdownLogManager extends LogManager {
  private static final String JDK_CLEANER = "java.util.logging.LogManager$Cleaner";

  private volatile boolean held;

  /** Called by the JDK through {@code java.util.logging.manager}. */
  public ShutdownLogManager() {}

  @Override
  public void reset() {
    if (held && Thread.currentThread().getClass().getName().equals(JDK_CLEANER)) {
      return; // the server's shutdown hook resets when it is done
    }
    super.reset();
  }

  /** From now on the JDK's shutdown hook leaves logging to the server's hook. */
  static void holdResetForShutdownHook() {
    if (LogManager.getLogManager() instanceof ShutdownLogManager m) {
      m.held = true;
    }
  }

  /** Flushes and closes every handler: the last thing the server's shutdown hook does. */
  static void resetAfterShutdown() {
    if (LogManager.getLogManager() instanceof ShutdownLogManager m) {
      m.held = false;
      m.reset();
    }
  }
}
