package io.loadeds.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.hazelcast.spi.impl.InternalCompletableFuture;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A replicated write's answer goes from Hazelcast's completing thread straight to the request's
 * context. Hazelcast's futures run plain callbacks on their default executor, which on a machine
 * with 2 CPUs or fewer starts a thread per callback; the future here counts what that executor is
 * given, so the test does not depend on the machine's CPU count.
 */
class SettledOnTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A Hazelcast future whose default executor starts a thread per task, as on 2 CPUs. */
  private static final class OperationFuture<T> extends InternalCompletableFuture<T> {
    final AtomicInteger threadsStarted = new AtomicInteger();

    @Override
    public Executor defaultExecutor() {
      return task -> {
        threadsStarted.incrementAndGet();
        new Thread(task).start();
      };
    }
  }

  @Test
  void aCompletedWriteIsAnsweredOnTheContextWithoutStartingAThread() throws Exception {
    Context context = vertx.getOrCreateContext();
    OperationFuture<Long> op = new OperationFuture<>();
    AtomicReference<Thread> contextThread = new AtomicReference<>();
    AtomicReference<Thread> answeredOn = new AtomicReference<>();
    context.runOnContext(v -> contextThread.set(Thread.currentThread()));
    var answered =
        ClusterReplica.settledOn(op, context)
            .onComplete(r -> answeredOn.set(Thread.currentThread()));

    Thread completer = new Thread(() -> op.complete(42L), "hz-response");
    completer.start();
    completer.join();

    assertEquals(42L, answered.await(10, TimeUnit.SECONDS));
    assertSame(contextThread.get(), answeredOn.get());
    assertEquals(0, op.threadsStarted.get());
  }

  @Test
  void aFailedWriteFailsTheAnswer() throws Exception {
    OperationFuture<Long> op = new OperationFuture<>();
    var answered = ClusterReplica.settledOn(op, vertx.getOrCreateContext());
    op.completeExceptionally(new IllegalStateException("no backup"));
    Throwable err =
        answered
            .transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause()))
            .await(10, TimeUnit.SECONDS);
    assertEquals("no backup", err.getMessage());
    assertEquals(0, op.threadsStarted.get());
  }
}
