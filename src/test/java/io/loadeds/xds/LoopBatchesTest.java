package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ordering the push path relies on: what the snapshot cache hands to a loop's streams runs on
 * that loop in the order it was handed over (clusters before endpoints), however many tasks and
 * whichever threads hand them over, and one failing task costs no other its turn.
 */
class LoopBatchesTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** The batching executor of a fresh event-loop context, as a stream opened there gets it. */
  private Executor onNewLoop(LoopBatches batches, Context[] out) throws Exception {
    // Each deployment gets a context of its own, on the next event loop (a plain thread's
    // getOrCreateContext would keep returning one context).
    CompletableFuture<Executor> e = new CompletableFuture<>();
    vertx
        .deployVerticle(
            new VerticleBase() {
              @Override
              public Future<?> start() {
                out[0] = context;
                e.complete(batches.current(context));
                return Future.succeededFuture();
              }
            })
        .await();
    return e.get(10, TimeUnit.SECONDS);
  }

  @Test
  void tasksFromOneThreadRunOnTheLoopInTheOrderTheyWereHandedOver() throws Exception {
    LoopBatches batches = new LoopBatches();
    Context[] context = new Context[1];
    Executor loop = onNewLoop(batches, context);
    int n = 3 * LoopBatches.MAX_TASKS_PER_DRAIN + 7; // spans several drains
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    List<Boolean> onLoop = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      int task = i;
      loop.execute(
          () -> {
            ran.add(task);
            onLoop.add(Context.isOnEventLoopThread() && Vertx.currentContext() != null);
            done.countDown();
          });
    }
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add(i);
    }
    assertThat(ran).isEqualTo(expected);
    assertThat(onLoop).containsOnly(true);
  }

  @Test
  void eachProducersTasksKeepTheirOrderWhenSeveralThreadsHandOver() throws Exception {
    LoopBatches batches = new LoopBatches();
    Executor loop = onNewLoop(batches, new Context[1]);
    int producers = 4;
    int perProducer = 5_000;
    List<int[]> ran = new ArrayList<>(); // only touched on the loop
    CountDownLatch done = new CountDownLatch(producers * perProducer);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      threads.add(
          new Thread(
              () -> {
                for (int i = 0; i < perProducer; i++) {
                  int task = i;
                  loop.execute(
                      () -> {
                        ran.add(new int[] {producer, task});
                        done.countDown();
                      });
                }
              }));
    }
    threads.forEach(Thread::start);
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<List<int[]>> seen = new CompletableFuture<>();
    loop.execute(() -> seen.complete(new ArrayList<>(ran)));
    int[] next = new int[producers];
    for (int[] r : seen.get(10, TimeUnit.SECONDS)) {
      assertThat(r[1]).as("producer %d's next task", r[0]).isEqualTo(next[r[0]]);
      next[r[0]]++;
    }
    assertThat(next).containsOnly(perProducer);
  }

  @Test
  void aTaskThatThrowsDoesNotCostTheOthersTheirTurn() throws Exception {
    LoopBatches batches = new LoopBatches();
    Executor loop = onNewLoop(batches, new Context[1]);
    CountDownLatch after = new CountDownLatch(2);
    loop.execute(after::countDown);
    loop.execute(
        () -> {
          throw new IllegalStateException("a stream's send failed");
        });
    loop.execute(after::countDown);
    assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void streamsOnOneLoopShareOneExecutorAndOtherLoopsHaveTheirOwn() throws Exception {
    LoopBatches batches = new LoopBatches();
    Context[] first = new Context[1];
    Executor a = onNewLoop(batches, first);
    CompletableFuture<Executor> again = new CompletableFuture<>();
    first[0].runOnContext(v -> again.complete(batches.current(first[0])));
    assertThat(again.get(10, TimeUnit.SECONDS)).isSameAs(a);

    // Vert.x hands out its event loops round-robin: some new context is on another loop.
    boolean other = false;
    for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 1 && !other; i++) {
      Executor b = onNewLoop(batches, new Context[1]);
      other = b != a;
    }
    assertThat(other).as("another loop gets another executor").isTrue();
  }
}
