package io.loadeds.cluster;

import io.loadeds.registration.WriteCommit;
import io.vertx.core.json.JsonObject;

/**
 * What the server's wiring sees of a clustered replica. Free of Hazelcast types, so that the wiring
 * can name it without loading Hazelcast; {@link Clustering#join} makes one.
 *
 * <p>Thread-safe.
 */
public interface Replication {
  /** The REST API's writes: answered once their records are in the cluster's map. */
  WriteCommit commits();

  /**
   * One pass of the lease reaper, called periodically by the server on every replica: only the
   * oldest member expires leases (and judges self-preservation); on the others it does nothing.
   */
  void reap();

  /** Members, this replica's role and the replication lag ({@code GET /v1/debug/cluster}). */
  JsonObject debug();

  /** Stops applying the cluster's changes; the clustered Vert.x instance leaves the cluster. */
  void close();
}
