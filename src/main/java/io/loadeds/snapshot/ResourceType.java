package io.loadeds.snapshot;

import java.util.Optional;

/** The xDS resource types the server publishes, with their v3 type URLs. */
public enum ResourceType {
  ENDPOINT("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", "endpoints"),
  CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", "clusters"),
  LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", "listeners"),
  ROUTE("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "routes");

  private final String typeUrl;
  private final String restName;

  ResourceType(String typeUrl, String restName) {
    this.typeUrl = typeUrl;
    this.restName = restName;
  }

  public String typeUrl() {
    return typeUrl;
  }

  /**
   * The suffix of Envoy's REST discovery path, e.g. {@code endpoints} in {@code
   * /v3/discovery:endpoints}.
   */
  public String restName() {
    return restName;
  }

  /**
   * Whether an empty name list on a stream's first request means "everything" (LDS and CDS), as
   * opposed to "nothing" (EDS and RDS), per the xDS protocol's wildcard rules.
   */
  public boolean wildcardCapable() {
    return this == CLUSTER || this == LISTENER;
  }

  /**
   * Whether every state-of-the-world response must carry every subscribed resource (LDS and CDS: a
   * resource missing from the response is deleted). For EDS and RDS a SotW response carries only
   * what changed and leaves the client's other resources as they are (xDS protocol, "Grouping
   * resources into responses": "all resource types except for Listener and Cluster are grouped into
   * responses in the same way as in the incremental protocol variants").
   */
  public boolean fullStateOfTheWorld() {
    return this == CLUSTER || this == LISTENER;
  }

  public static Optional<ResourceType> fromTypeUrl(String typeUrl) {
    for (ResourceType t : values()) {
      if (t.typeUrl.equals(typeUrl)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  public static Optional<ResourceType> fromRestName(String name) {
    for (ResourceType t : values()) {
      if (t.restName.equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
