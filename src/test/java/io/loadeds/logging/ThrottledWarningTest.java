package io.loadeds.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A flood of one warning becomes one line per interval that counts what it left out. */
class ThrottledWarningTest {
  private static final long SECOND = 1_000_000_000L;

  private final String name = "test.throttled." + System.nanoTime();
  private final Logger jul = Logger.getLogger(name);
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
          lines.add(r.getLevel() + " " + formatter.formatMessage(r));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final AtomicLong now = new AtomicLong(42 * SECOND);
  private final ThrottledWarning warning;

  ThrottledWarningTest() {
    jul.setUseParentHandlers(false);
    jul.setLevel(Level.ALL);
    jul.addHandler(capture);
    warning = new ThrottledWarning(System.getLogger(name), SECOND, now::get);
  }

  @AfterEach
  void detach() {
    jul.removeHandler(capture);
  }

  @Test
  void theFirstIsLoggedThenOnePerIntervalWithTheCountLeftOut() {
    warning.warn("refused stream from {0}: {1}", "10.0.0.1", "full");
    for (int i = 0; i < 500; i++) {
      warning.warn("refused stream from {0}: {1}", "10.0.0.2", "full");
    }
    assertThat(lines).containsExactly("WARNING refused stream from 10.0.0.1: full");

    now.addAndGet(SECOND - 1);
    warning.warn("refused stream from {0}: {1}", "10.0.0.3", "full");
    assertThat(lines).hasSize(1); // still within the interval: counted

    now.addAndGet(1);
    warning.warn("refused stream from {0}: {1}", "10.0.0.4", "full");
    assertThat(lines)
        .containsExactly(
            "WARNING refused stream from 10.0.0.1: full",
            "WARNING refused stream from 10.0.0.4: full"
                + " (and 501 more like it not logged since the last one)");

    // A quiet interval later, the next one is logged as it is: nothing was left out.
    now.addAndGet(5 * SECOND);
    warning.warn("refused stream from {0}: {1}", "10.0.0.5", "full");
    assertThat(lines).last().isEqualTo("WARNING refused stream from 10.0.0.5: full");
  }

  @Test
  void manyThreadsAtOnceLogOneLine() throws InterruptedException {
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  warning.warn("refused {0}", "x");
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(lines).containsExactly("WARNING refused x");
    now.addAndGet(SECOND);
    warning.warn("refused {0}", "y");
    assertThat(lines)
        .last()
        .isEqualTo("WARNING refused y (and 39999 more like it not logged since the last one)");
  }
}
