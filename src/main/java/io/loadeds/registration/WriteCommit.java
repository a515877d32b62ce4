package io.loadeds.registration;

import io.loadeds.registry.EndpointKey;
import io.vertx.core.Future;
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
  /** One server: the registry's own call is the whole commit. */
  WriteCommit LOCAL =
      new WriteCommit() {
        @Override
        public <T> Future<T> commit(EndpointKey key, Supplier<T> write) {
          return Future.succeededFuture(write.get());
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
