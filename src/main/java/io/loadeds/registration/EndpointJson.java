package io.loadeds.registration;

import static io.loadeds.registration.JsonFields.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.json.Rfc3339;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.InvalidFieldException;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Locality;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Update;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON shapes of the {@code /v1} API (API.md §1): registration and load-report bodies in,
 * endpoint and cluster views out. Parsing checks JSON types only (unknown members are ignored);
 * value ranges are the registry's to check, so every entry point refuses a value with the same
 * message. Stateless.
 */
final class EndpointJson {
  private EndpointJson() {}

  /**
   * A PUT body as a registration. Absent or null optional members take their defaults.
   *
   * @throws InvalidFieldException naming the first member of the wrong type, or a missing one
   */
  static Registration registration(ObjectNode body) {
    String address = JsonFields.string(get(body, "address"), "address");
    if (address == null) {
      throw new InvalidFieldException("address", "is required");
    }
    int port = JsonFields.requiredInteger(get(body, "port"), "port");
    Integer capacity = JsonFields.integer(get(body, "capacity"), "capacity");
    Integer active = JsonFields.integer(get(body, "active"), "active");
    Integer weight = JsonFields.integer(get(body, "weight"), "weight");
    Long ttlSeconds = JsonFields.longInteger(get(body, "ttlSeconds"), "ttlSeconds");
    return new Registration(
        address,
        port,
        capacity,
        active == null ? 0 : active,
        weight,
        ttlSeconds == null ? null : Duration.ofSeconds(ttlSeconds),
        locality(get(body, "locality")),
        JsonFields.stringMap(get(body, "metadata"), "metadata"));
  }

  /**
   * A PATCH body as a load report: only the members present change; {@code null} clears {@code
   * capacity} and {@code weight} and empties {@code metadata}; {@code {}} is a pure heartbeat.
   *
   * @throws InvalidFieldException naming the first member of the wrong type
   */
  static LoadReport loadReport(ObjectNode body) {
    Update<Integer> active = Update.absent();
    if (body.has("active")) {
      // active cannot be cleared: an endpoint always holds some number of streams.
      active = Update.of(JsonFields.requiredInteger(body.get("active"), "active"));
    }
    Update<Integer> capacity =
        body.has("capacity")
            ? Update.of(JsonFields.integer(body.get("capacity"), "capacity"))
            : Update.absent();
    Update<Integer> weight =
        body.has("weight")
            ? Update.of(JsonFields.integer(body.get("weight"), "weight"))
            : Update.absent();
    Update<Map<String, String>> metadata =
        body.has("metadata")
            ? Update.of(Map.copyOf(JsonFields.stringMap(body.get("metadata"), "metadata")))
            : Update.absent();
    return new LoadReport(active, capacity, weight, metadata);
  }

  private static Locality locality(JsonNode node) {
    ObjectNode object = JsonFields.object(node, "locality");
    if (object == null) {
      return Locality.NONE;
    }
    return new Locality(
        JsonFields.string(get(object, "region"), "locality.region"),
        JsonFields.string(get(object, "zone"), "locality.zone"),
        JsonFields.string(get(object, "subZone"), "locality.subZone"));
  }

  /**
   * The endpoint view. Every member is always written (null when unset) so that clients and the
   * OpenAPI schema see one stable shape.
   */
  static ObjectNode view(Endpoint e) {
    ObjectNode out = Json.object();
    out.put("cluster", e.cluster());
    out.put("id", e.id());
    out.put("address", e.address());
    out.put("port", e.port());
    out.put("capacity", e.capacity());
    out.put("active", e.active());
    out.put("weight", e.weight());
    out.put("ttlSeconds", e.ttl() == null ? null : e.ttl().toSeconds());
    ObjectNode locality = out.putObject("locality");
    locality.put("region", e.locality().region());
    locality.put("zone", e.locality().zone());
    locality.put("subZone", e.locality().subZone());
    ObjectNode metadata = out.putObject("metadata");
    new TreeMap<>(e.metadata()).forEach(metadata::put);
    out.put("admitted", e.admitted());
    out.put("effectiveWeight", e.effectiveWeight());
    out.put("state", e.state().name());
    out.put("leaseExpiresAt", time(e.leaseExpiresAt()));
    out.put("registeredAt", time(e.registeredAt()));
    out.put("updatedAt", time(e.updatedAt()));
    out.put("source", e.source());
    return out;
  }

  /** A cluster's name, published EDS version (null when unpublished) and counts. */
  static ObjectNode clusterSummary(ClusterView c, Optional<String> version) {
    ObjectNode out = Json.object();
    out.put("name", c.name());
    out.put("version", version.orElse(null));
    ObjectNode counts = out.putObject("counts");
    counts.put("endpoints", c.endpoints().size());
    counts.put("admitted", c.count(EndpointState.ADMITTED));
    counts.put("full", c.count(EndpointState.FULL));
    counts.put("expired", c.count(EndpointState.EXPIRED));
    return out;
  }

  /** The summary plus the views of all endpoints, ordered by id. */
  static ObjectNode clusterDetail(ClusterView c, Optional<String> version) {
    ObjectNode out = clusterSummary(c, version);
    ArrayNode endpoints = out.putArray("endpoints");
    c.endpoints().forEach(e -> endpoints.add(view(e)));
    return out;
  }

  /** RFC 3339 in UTC, as {@link Instant#toString()} writes it. */
  private static String time(Instant t) {
    return Rfc3339.format(t);
  }
}
