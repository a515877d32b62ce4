package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Logging from an event loop must not wait for the log output. */
class AsyncLogHandlerTest {

  /** A target that records messages, and can be made to block like a full pipe. */
  private static final class Target extends Handler {
    final List<String> messages = new CopyOnWriteArrayList<>();
    final CountDownLatch unblocked = new CountDownLatch(1);
    final CountDownLatch firstWrite = new CountDownLatch(1);
    volatile boolean blocking;
    volatile boolean closed;
    final AtomicInteger flushes = new AtomicInteger();

    @Override
    public void publish(LogRecord record) {
      firstWrite.countDown();
      if (blocking) {
        try {
          unblocked.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      messages.add(record.getMessage());
    }

    @Override
    public void flush() {
      flushes.incrementAndGet();
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static LogRecord info(String message) {
    return new LogRecord(Level.INFO, message);
  }

  @Test
  void aSteadyTrickleOfRecordsIsWrittenInBatchesNotOneWakeUpPerRecord() throws Exception {
    Target target = new Target();
    AsyncLogHandler handler = new AsyncLogHandler(target, 1000);
    // One record every 2 ms for about 400 ms: a membership change per event-loop turn under churn.
    long start = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      handler.publish(info("m" + i));
      Thread.sleep(2);
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    int flushes = target.flushes.get();
    handler.close();

    assertThat(target.messages).hasSize(200).startsWith("m0", "m1").endsWith("m199");
    // A writer woken per record flushes about once per record; one that lingers, once per look.
    assertThat(flushes)
        .isLessThanOrEqualTo((int) (elapsedMillis / AsyncLogHandler.LINGER_MILLIS) + 3);
  }

  @Test
  void writesRecordsInOrderAndEverythingQueuedOnClose() {
    Target target = new Target();
    AsyncLogHandler handler = new AsyncLogHandler(target, 1000);
    for (int i = 0; i < 500; i++) {
      handler.publish(info("m" + i));
    }
    handler.close();

    assertThat(target.messages).hasSize(500);
    assertThat(target.messages.get(0)).isEqualTo("m0");
    assertThat(target.messages.get(499)).isEqualTo("m499");
    assertThat(target.closed).isTrue();
  }

  @Test
  void aStalledOutputNeitherBlocksTheCallerNorGrowsTheQueueAndTheLossIsReported() throws Exception {
    Target target = new Target();
    target.blocking = true;
    AsyncLogHandler handler = new AsyncLogHandler(target, 10);
    handler.publish(info("first"));
    assertThat(target.firstWrite.await(5, TimeUnit.SECONDS)).isTrue(); // the writer is stuck now

    CompletableFuture<Void> logging =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < 100; i++) {
                handler.publish(info("m" + i));
              }
            });
    logging.get(5, TimeUnit.SECONDS); // a blocking publish would never return here

    assertThat(handler.dropped()).isEqualTo(90);
    target.unblocked.countDown();
    handler.close();
    assertThat(target.messages)
        .startsWith("first")
        .containsSubsequence("m0", "m1", "m9")
        .doesNotContain("m10")
        .hasSize(12); // first, m0..m9 and the report
    assertThat(target.messages)
        .anySatisfy(m -> assertThat(m).startsWith("90 log record(s) dropped"));
  }

  @Test
  void recordsBelowTheTargetsLevelAreNotQueued() {
    Target target = new Target();
    target.setLevel(Level.WARNING);
    AsyncLogHandler handler = new AsyncLogHandler(target, 10);
    handler.publish(info("quiet"));
    handler.publish(new LogRecord(Level.WARNING, "loud"));
    handler.close();

    assertThat(target.messages).containsExactly("loud");
  }
}
