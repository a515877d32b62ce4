package io.loadeds.registration;

import static io.loadeds.registration.JsonFields.get;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The JSON shapes of the {@code /v1} API (API.md §1): registration and load-report bodies in,
 * endpoint and cluster views out. Parsing checks JSON types only (unknown members are ignored);
 * value ranges are the registry's to check, so every entry point refuses a value with the same
 * message. Stateless.
 */
final class EndpointJson {
  // Member names of the views, encoded once: writing a name from a String escapes and encodes it
  // on every answer.
  private static final SerializedString CLUSTER = new SerializedString("cluster");
  private static final SerializedString ID = new SerializedString("id");
  private static final SerializedString ADDRESS = new SerializedString("address");
  private static final SerializedString PORT = new SerializedString("port");
  private static final SerializedString CAPACITY = new SerializedString("capacity");
  private static final SerializedString ACTIVE = new SerializedString("active");
  private static final SerializedString WEIGHT = new SerializedString("weight");
  private static final SerializedString TTL_SECONDS = new SerializedString("ttlSeconds");
  private static final SerializedString LOCALITY = new SerializedString("locality");
  private static final SerializedString REGION = new SerializedString("region");
  private static final SerializedString ZONE = new SerializedString("zone");
  private static final SerializedString SUB_ZONE = new SerializedString("subZone");
  private static final SerializedString METADATA = new SerializedString("metadata");
  private static final SerializedString ADMITTED = new SerializedString("admitted");
  private static final SerializedString EFFECTIVE_WEIGHT = new SerializedString("effectiveWeight");
  private static final SerializedString STATE = new SerializedString("state");
  private static final SerializedString LEASE_EXPIRES_AT = new SerializedString("leaseExpiresAt");
  private static final SerializedString REGISTERED_AT = new SerializedString("registeredAt");
  private static final SerializedString UPDATED_AT = new SerializedString("updatedAt");
  private static final SerializedString SOURCE = new SerializedString("source");
  private static final SerializedString CLUSTERS = new SerializedString("clusters");
  private static final SerializedString NAME = new SerializedString("name");
  private static final SerializedString VERSION = new SerializedString("version");
  private static final SerializedString COUNTS = new SerializedString("counts");
  private static final SerializedString ENDPOINTS = new SerializedString("endpoints");

  private EndpointJson() {}

  /** The endpoint view of {@code e} as a document to send. */
  static Json.Document view(Endpoint e) {
    return out -> writeView(out, e);
  }

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
   * Writes the endpoint view. Every member is always written (null when unset) so that clients and
   * the OpenAPI schema see one stable shape. Streamed rather than built as a tree: a load report's
   * answer is this view, and building and then walking a tree of it took a tenth of the event
   * loop's time per report.
   */
  static void writeView(JsonGenerator out, Endpoint e) throws IOException {
    out.writeStartObject();
    string(out, CLUSTER, e.cluster());
    string(out, ID, e.id());
    string(out, ADDRESS, e.address());
    out.writeFieldName(PORT);
    out.writeNumber(e.port());
    integer(out, CAPACITY, e.capacity());
    out.writeFieldName(ACTIVE);
    out.writeNumber(e.active());
    integer(out, WEIGHT, e.weight());
    out.writeFieldName(TTL_SECONDS);
    if (e.ttl() == null) {
      out.writeNull();
    } else {
      out.writeNumber(e.ttl().toSeconds());
    }
    out.writeFieldName(LOCALITY);
    out.writeStartObject();
    string(out, REGION, e.locality().region());
    string(out, ZONE, e.locality().zone());
    string(out, SUB_ZONE, e.locality().subZone());
    out.writeEndObject();
    out.writeFieldName(METADATA);
    out.writeStartObject();
    if (!e.metadata().isEmpty()) {
      for (Map.Entry<String, String> m : new TreeMap<>(e.metadata()).entrySet()) {
        out.writeStringField(m.getKey(), m.getValue());
      }
    }
    out.writeEndObject();
    out.writeFieldName(ADMITTED);
    out.writeBoolean(e.admitted());
    out.writeFieldName(EFFECTIVE_WEIGHT);
    out.writeNumber(e.effectiveWeight());
    string(out, STATE, e.state().name());
    string(out, LEASE_EXPIRES_AT, Rfc3339.format(e.leaseExpiresAt()));
    string(out, REGISTERED_AT, Rfc3339.format(e.registeredAt()));
    string(out, UPDATED_AT, Rfc3339.format(e.updatedAt()));
    string(out, SOURCE, e.source());
    out.writeEndObject();
  }

  /** The list of clusters: each one's name, published EDS version and counts. */
  static Json.Document clusterList(
      Iterable<? extends ClusterView> clusters, Function<String, Optional<String>> versions) {
    return out -> {
      out.writeStartObject();
      out.writeFieldName(CLUSTERS);
      out.writeStartArray();
      for (ClusterView c : clusters) {
        out.writeStartObject();
        writeSummaryFields(out, c, versions.apply(c.name()));
        out.writeEndObject();
      }
      out.writeEndArray();
      out.writeEndObject();
    };
  }

  /** The summary plus the views of all endpoints, ordered by id. */
  static Json.Document clusterDetail(ClusterView c, Optional<String> version) {
    return out -> {
      out.writeStartObject();
      writeSummaryFields(out, c, version);
      out.writeFieldName(ENDPOINTS);
      out.writeStartArray();
      for (Endpoint e : c.endpoints()) {
        writeView(out, e);
      }
      out.writeEndArray();
      out.writeEndObject();
    };
  }

  /** A cluster's name, published EDS version (null when unpublished) and counts. */
  private static void writeSummaryFields(JsonGenerator out, ClusterView c, Optional<String> version)
      throws IOException {
    string(out, NAME, c.name());
    string(out, VERSION, version.orElse(null));
    out.writeFieldName(COUNTS);
    out.writeStartObject();
    out.writeNumberField("endpoints", c.endpoints().size());
    out.writeNumberField("admitted", c.count(EndpointState.ADMITTED));
    out.writeNumberField("full", c.count(EndpointState.FULL));
    out.writeNumberField("expired", c.count(EndpointState.EXPIRED));
    out.writeEndObject();
  }

  private static void string(JsonGenerator out, SerializedString name, String value)
      throws IOException {
    out.writeFieldName(name);
    if (value == null) {
      out.writeNull();
    } else {
      out.writeString(value);
    }
  }

  private static void integer(JsonGenerator out, SerializedString name, Integer value)
      throws IOException {
    out.writeFieldName(name);
    if (value == null) {
      out.writeNull();
    } else {
      out.writeNumber(value);
    }
  }
}
