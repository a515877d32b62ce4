package io.loadeds.registry;

import java.util.Map;

/**
 * A partial update of an endpoint (PATCH): its load report and heartbeat. Every field may be
 * absent; an empty report only renews the lease. Immutable.
 *
 * @param active streams held now
 * @param capacity new capacity ({@code null} value: no longer load-gated)
 * @param weight new static weight ({@code null} value: derive from spare capacity)
 * @param metadata replaces the metadata when present
 */
public record LoadReport(
    Update<Integer> active,
    Update<Integer> capacity,
    Update<Integer> weight,
    Update<Map<String, String>> metadata) {
  /** A pure heartbeat. */
  public static final LoadReport HEARTBEAT =
      new LoadReport(Update.absent(), Update.absent(), Update.absent(), Update.absent());

  /** A report of the current number of active streams only. */
  public static LoadReport active(int active) {
    return new LoadReport(Update.of(active), Update.absent(), Update.absent(), Update.absent());
  }
}
