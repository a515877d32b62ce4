package io.loadeds.xds;

import io.vertx.core.Context;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One batching executor per event loop, shared by every stream on that loop: the tasks handed to it
 * from any thread run on the loop, in the order they were handed over, in as few loop tasks as
 * possible.
 *
 * <p>Why: a change to one cluster wakes every stream that watches it, a thousand at a time. Handed
 * over one by one, that is a thousand loop tasks and, since Vert.x flushes a connection after every
 * write made outside a read, a thousand socket writes. Handed over as one batch per loop, the loop
 * runs every stream's send in one task, and the connections' flushes fold into one per connection
 * (see {@code transport.HttpVerticle}).
 *
 * <p>Ordering guarantee (the make-before-break order of {@code snapshot.SnapshotCache} relies on
 * it): tasks handed over from one thread run in that order. Thread-safe.
 */
public final class LoopBatches {
  private static final System.Logger LOG = System.getLogger(LoopBatches.class.getName());
  // A drain gives the loop back after this many tasks, so that I/O is not starved by a long queue.
  static final int MAX_TASKS_PER_DRAIN = 4096;

  // Event loop threads are one-to-one with loops, and a stream stays on its connection's loop.
  private final Map<Thread, Batch> byLoop = new ConcurrentHashMap<>();

  /**
   * The batching executor of the loop the caller runs on; {@code context} (the caller's) is what it
   * runs its tasks on. Call it on an event loop thread.
   */
  public Executor current(Context context) {
    return byLoop.computeIfAbsent(Thread.currentThread(), t -> new Batch(context));
  }

  /** The tasks bound for one loop. */
  static final class Batch implements Executor {
    private final Context context;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    Batch(Context context) {
      this.context = context;
    }

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
      if (scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }

    private void drain() {
      // Cleared before polling: a task added from now on either is polled below or schedules a
      // drain of its own, so none is left behind.
      scheduled.set(false);
      for (int i = 0; i < MAX_TASKS_PER_DRAIN; i++) {
        Runnable task = tasks.poll();
        if (task == null) {
          return;
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          // One stream's failure must not cost the others their turn.
          LOG.log(System.Logger.Level.ERROR, "stream task failed", e);
        }
      }
      if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }
  }
}
