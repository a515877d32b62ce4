package io.loadeds.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Hands log records to another handler on a thread of its own, so a slow log sink never stalls the
 * thread that logs.
 *
 * <p>Why: the registry logs each membership change from its listeners, which run on an event loop
 * under the cluster's lock. Console output blocks when the reader falls behind (a full pipe, a slow
 * container log driver), and a blocked write there would stall every request on that event loop.
 *
 * <p>Contract: {@link #publish} never blocks. When more than {@code capacity} records are waiting,
 * further records are dropped and counted, and a WARNING saying how many went missing is written
 * when the writer catches up. {@link #close} writes what is queued, then closes the target. The
 * records' source class and method are not inferred (the caller's stack is gone by the time the
 * writer formats them); the formats this server installs print the logger name instead.
 *
 * <p>Records are written in batches. While records keep coming, the writer looks for them every
 * {@value #LINGER_MILLIS} ms and is not waiting on the queue in between, so offering a record wakes
 * no thread; it waits on the queue (the next record wakes it at once) only after a second without
 * records. Why: the registry logs every membership change on the event loop that made it, and
 * waking the writer per record handed the writer that loop's core on a 2-core machine just when the
 * change was being pushed (about 80 us of a fan-out-1 push's 400 us in the server). Thread-safe.
 */
public final class AsyncLogHandler extends Handler {
  private static final LogRecord STOP = new LogRecord(Level.OFF, "stop");

  /** How long records gather between two looks of the writer while records keep coming. */
  static final long LINGER_MILLIS = 50;

  /** Looks without a record after which the writer waits on the queue (one second). */
  private static final int BLOCK_AFTER_IDLE_LOOKS = 20;

  private final Handler target;
  private final BlockingQueue<LogRecord> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private volatile boolean closed;

  /** Starts the writer thread (a daemon) for {@code target}. */
  public AsyncLogHandler(Handler target, int capacity) {
    this.target = target;
    this.queue = new ArrayBlockingQueue<>(capacity);
    setLevel(target.getLevel());
    writer = new Thread(this::drain, "loadeds-log-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /** The handler records end up in. */
  public Handler target() {
    return target;
  }

  @Override
  public void publish(LogRecord record) {
    if (closed || !isLoggable(record)) {
      return;
    }
    if (!queue.offer(record)) {
      dropped.incrementAndGet();
    }
  }

  @Override
  public void flush() {
    // Records are written as the writer takes them; the target flushes after each batch.
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      queue.put(STOP);
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    target.close();
  }

  /** How many records were dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  private void drain() {
    List<LogRecord> batch = new ArrayList<>();
    long reported = 0;
    int idleLooks = BLOCK_AFTER_IDLE_LOOKS;
    while (true) {
      try {
        LogRecord first = idleLooks >= BLOCK_AFTER_IDLE_LOOKS ? queue.take() : queue.poll();
        if (first == null) {
          idleLooks++;
          Thread.sleep(LINGER_MILLIS);
          continue;
        }
        idleLooks = 0;
        batch.add(first);
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch);
      for (LogRecord r : batch) {
        if (r == STOP) {
          target.flush();
          return;
        }
        target.publish(r);
      }
      batch.clear();
      long lost = dropped.get();
      if (lost != reported) {
        LogRecord warning =
            new LogRecord(
                Level.WARNING,
                (lost - reported) + " log record(s) dropped: the log output could not keep up");
        warning.setLoggerName(AsyncLogHandler.class.getName());
        target.publish(warning);
        reported = lost;
      }
      target.flush();
      try {
        // Let the next records gather while the writer is not waiting on the queue, so that
        // offering them signals no one.
        Thread.sleep(LINGER_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
