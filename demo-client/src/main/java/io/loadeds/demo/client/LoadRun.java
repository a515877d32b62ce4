package io.loadeds.demo.client;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.loadeds.demo.math.MathGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One load run over a channel: starts the stream slots, shows progress, ends them when the duration
 * is over (or when told to stop early), and sums up.
 *
 * <p>The end is gentle first: every stream is half-closed and gets {@link #DRAIN_MILLIS} to end
 * with OK; only the rest is reset. The open streams per backend are counted at the end signal,
 * before that drain.
 *
 * <p>Threading: {@link #run} blocks its caller for the run's duration; the streams live on the
 * channel's threads and a small timer pool that the run owns and shuts down.
 */
public final class LoadRun {

  static final long DRAIN_MILLIS = 3_000;
  private static final long READY_TIMEOUT_SECONDS = 30;

  private final LoadConfig config;
  private final ProgressLine progress;
  private final LoadStats stats = new LoadStats();

  /**
   * @param config what to run
   * @param progress the live status line, or null for none
   */
  LoadRun(LoadConfig config, ProgressLine progress) {
    this.config = config;
    this.progress = progress;
  }

  /**
   * Runs over {@code channel} until the duration is over or {@code stopEarly} is counted down.
   *
   * @throws InterruptedException when the calling thread is interrupted; the streams are then reset
   */
  Summary run(Channel channel, CountDownLatch stopEarly) throws InterruptedException {
    ScheduledExecutorService timer =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "demo-client-timer");
              t.setDaemon(true);
              return t;
            });
    MathGrpc.MathStub stub =
        MathGrpc.newStub(ClientInterceptors.intercept(channel, new BackendIdInterceptor()));
    CountDownLatch allDone = new CountDownLatch(config.streams());
    List<StreamWorker> workers = new ArrayList<>();
    long startNanos = System.nanoTime();
    try {
      awaitReady(channel, stopEarly);
      for (int i = 0; i < config.streams(); i++) {
        if (i > 0
            && !config.ramp().isZero()
            && stopEarly.await(config.ramp().toMillis(), TimeUnit.MILLISECONDS)) {
          break;
        }
        StreamWorker worker = new StreamWorker(config, stats, timer, stub, allDone);
        workers.add(worker);
        worker.start();
      }
      for (int i = workers.size(); i < config.streams(); i++) {
        allDone.countDown(); // slots never opened because the run was stopped early
      }
      if (progress != null) {
        timer.scheduleAtFixedRate(
            () -> progress.print(stats, elapsedMillis(startNanos)), 1, 1, TimeUnit.SECONDS);
      }
      // The duration counts from the first stream, channel start-up included.
      long remaining = config.duration().toMillis() - elapsedMillis(startNanos);
      stopEarly.await(Math.max(0, remaining), TimeUnit.MILLISECONDS);
      long duration = elapsedMillis(startNanos);
      Map<String, Integer> openAtEnd = stats.openNow();
      workers.forEach(StreamWorker::stop);
      if (!allDone.await(DRAIN_MILLIS, TimeUnit.MILLISECONDS)) {
        workers.forEach(StreamWorker::cancel);
        allDone.await(1, TimeUnit.SECONDS);
      }
      timer.shutdownNow();
      timer.awaitTermination(1, TimeUnit.SECONDS);
      if (progress != null) {
        progress.close();
      }
      return stats.summary(config, duration, openAtEnd);
    } catch (InterruptedException e) {
      workers.forEach(StreamWorker::cancel);
      throw e;
    } finally {
      timer.shutdownNow();
    }
  }

  /**
   * Waits (up to the ready timeout) until the channel has a connection, so the first streams are
   * not all queued on whichever backend connects first. Plain {@link Channel}s are not waited for.
   */
  private static void awaitReady(Channel channel, CountDownLatch stopEarly)
      throws InterruptedException {
    if (!(channel instanceof ManagedChannel managed)) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
    while (managed.getState(true) != ConnectivityState.READY && System.nanoTime() < deadline) {
      if (stopEarly.await(50, TimeUnit.MILLISECONDS)) {
        return;
      }
    }
  }

  private static long elapsedMillis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
