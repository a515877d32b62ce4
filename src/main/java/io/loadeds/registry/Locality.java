package io.loadeds.registry;

import java.util.Objects;

/**
 * Where an endpoint runs, as Envoy's locality triple. Immutable; empty strings mean "not set".
 *
 * @param region the region, e.g. {@code eu}
 * @param zone the zone, e.g. {@code eu-1a}
 * @param subZone the sub-zone, often empty
 */
public record Locality(String region, String zone, String subZone) {
  /** The locality of endpoints that did not name one. */
  public static final Locality NONE = new Locality("", "", "");

  public Locality {
    region = Objects.requireNonNullElse(region, "");
    zone = Objects.requireNonNullElse(zone, "");
    subZone = Objects.requireNonNullElse(subZone, "");
  }
}
