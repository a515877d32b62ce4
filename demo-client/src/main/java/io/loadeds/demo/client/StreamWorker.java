package io.loadeds.demo.client;

import io.loadeds.demo.math.MathGrpc;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One of the run's {@code --streams} slots: keeps one stream going at a time. After a stream that
 * completed it opens the next at once; after a refused or failed one it retries after the backoff
 * when {@code --retry} is on, and otherwise leaves the slot empty for the rest of the run.
 *
 * <p>Threading: guarded by {@code this}; called from gRPC callback threads, the timer and the run's
 * thread. It calls into its stream while holding its lock, never the other way round (the stream
 * reports its end outside its own lock), so the two cannot deadlock.
 */
final class StreamWorker {

  private final LoadConfig config;
  private final LoadStats stats;
  private final ScheduledExecutorService timer;
  private final MathGrpc.MathStub stub;
  private final CountDownLatch allDone;

  private MaxStream current;
  private ScheduledFuture<?> pendingRetry;
  private boolean stopping;
  private boolean done;

  StreamWorker(
      LoadConfig config,
      LoadStats stats,
      ScheduledExecutorService timer,
      MathGrpc.MathStub stub,
      CountDownLatch allDone) {
    this.config = config;
    this.stats = stats;
    this.timer = timer;
    this.stub = stub;
    this.allDone = allDone;
  }

  synchronized void start() {
    open();
  }

  /** Ends the slot: a pending retry is dropped, the open stream half-closed. */
  synchronized void stop() {
    stopping = true;
    if (pendingRetry != null) {
      pendingRetry.cancel(false);
      pendingRetry = null;
    }
    if (current != null) {
      current.finish();
    } else {
      markDone();
    }
  }

  /** Resets a stream that did not end after {@link #stop()} within the drain time. */
  synchronized void cancel() {
    if (current != null) {
      current.cancel();
    }
  }

  private synchronized void open() {
    pendingRetry = null;
    if (stopping) {
      markDone();
      return;
    }
    MaxStream stream = new MaxStream(config, stats, timer, this::ended);
    current = stream;
    stream.start(stub);
  }

  private synchronized void ended(MaxStream.Outcome outcome) {
    current = null;
    if (stopping) {
      markDone();
      return;
    }
    switch (outcome) {
      case COMPLETED -> open();
      case REFUSED, FAILED -> {
        if (config.retry()) {
          pendingRetry =
              timer.schedule(this::open, config.retryBackoff().toMillis(), TimeUnit.MILLISECONDS);
        } else {
          markDone();
        }
      }
      case CUT -> markDone();
    }
  }

  private void markDone() {
    if (!done) {
      done = true;
      allDone.countDown();
    }
  }
}
