package io.loadeds.demo.backend;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * One backend's log: timestamped lines on standard output, prefixed with the backend's id.
 *
 * <p>Plain {@code System.out} rather than {@code java.util.logging} on purpose: JUL resets its
 * handlers in its own shutdown hook, which would swallow the lines of our SIGTERM sequence, and the
 * demo scripts read this output.
 *
 * <p>Threading: thread-safe (the prefix is volatile, {@code println} is synchronized).
 */
public final class Log {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private volatile String prefix = "";

  /** Names the backend on every later line, once its id is known (after the port is bound). */
  public void prefix(String id) {
    this.prefix = "[" + id + "] ";
  }

  public void info(String message) {
    System.out.println(LocalTime.now().format(TIME) + " " + prefix + message);
  }

  public void warn(String message) {
    info("WARN " + message);
  }
}
