package io.loadeds.registration;

import io.loadeds.registry.EndpointKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * How a registry write accepted by the REST API becomes durable before it is answered. A single
 * server ({@link #LOCAL}) is done when the in-memory registry call returns; a clustered replica is
 * done when the records the write touched are in the cluster's map (see {@code
 * io.loadeds.cluster}).
 *
 * <p>Threading: {@link #commit} runs {@code write} on the caller's thread (an event loop) at once,
 * so a refused write throws there, as it does without a cluster; the future completes on the
 * caller's context.
 */
public interface WriteCommit {
  /**
   * One server: the registry's own call is the whole commit. On an event loop the future completes
   * from the loop's next task, not at once: the write has by then queued its pushes to the streams
   * on this same loop, and they are written before the REST answer is encoded (Envoys learn of a
   * change before the backend that made it hears back, which waits for nothing from them).
   *
   * <p>The pushes' flushes, folded by {@code transport.FlushBatching}, are one task later still, so
   * the answer is encoded before the pushes leave, though its own flush follows theirs. Waiting
   * that one task more was measured: the push left about 70 us sooner after the loop woke, fan-out
   * 1's latency did not move (the harness's reader then waited for a core), and registrations with
   * 100 streams fell by about 12%.
   */
  WriteCommit LOCAL =
      new WriteCommit() {
        @Override
        public <T> Future<T> commit(EndpointKey key, Supplier<T> write) {
          T result = write.get();
          Context context = Vertx.currentContext();
          if (context == null) {
            return Future.succeededFuture(result);
          }
          Promise<T> answered = Promise.promise();
          context.runOnContext(v -> answered.complete(result));
          return answered.future();
        }
      };

  /**
   * Runs {@code write} (one registry call) now and completes with its result once the change is
   * committed.
   *
   * @param key the endpoint written, whose current record is committed even when the write caused
   *     no registry event (a heartbeat); null when the write names no single endpoint
   * @param write the registry call; what it throws is thrown here and nothing is committed
   */
  <T> Future<T> commit(EndpointKey key, Supplier<T> write);
}
