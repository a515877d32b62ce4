package io.loadeds.testing;

import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what one JUL logger (and its children) logs while attached, for tests that assert what
 * an operator would read. Thread-safe; close it to detach.
 */
public final class LogCapture extends Handler implements AutoCloseable {
  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
  }

  /** Starts capturing what the logger named {@code name} logs. */
  public static LogCapture of(String name) {
    LogCapture capture = new LogCapture(Logger.getLogger(name));
    capture.logger.addHandler(capture);
    return capture;
  }

  /** Every record so far. */
  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The messages logged at {@code level}, with their parameters filled in. */
  public List<String> messages(Level level) {
    return records.stream()
        .filter(r -> r.getLevel() == level)
        .map(r -> MessageFormat.format(r.getMessage(), r.getParameters()))
        .toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
