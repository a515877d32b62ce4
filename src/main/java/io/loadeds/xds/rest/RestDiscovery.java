package io.loadeds.xds.rest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.XdsConfig;
import io.loadeds.json.StrictJson;
import io.loadeds.logging.ClientText;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.PreparedResponse;
import io.loadeds.xds.Subscription;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Envoy's REST-JSON polling ({@code POST /v3/discovery:<type>}) as a pure function from request
 * body to (status, body), so it is tested without a server. Stateless and thread-safe.
 *
 * <p>Answers 304 when the request's {@code version_info} is the current version of what it names,
 * else 200 with the current state. Every requested cluster that is known appears in an EDS answer
 * (with no endpoints when none is admitted): Envoy keeps its old endpoints for an entry that is
 * simply left out. A REST poll has no stream, so an empty name list is a wildcard for LDS and CDS.
 * During the warm-up after start, a poll that names only assignments the server has not heard of
 * gets 503 (with {@code Retry-After}) instead of an empty assignment.
 *
 * <p>A body that is not UTF-8, not strict JSON, nested deeper than {@link StrictJson#MAX_DEPTH}
 * levels or holding a lone surrogate gets 400 before it is parsed ({@link StrictJson}, the check
 * every REST body passes); whatever a problem detail quotes of the request is escaped and cut
 * ({@link ClientText}).
 *
 * <p>A poll whose {@code node.id} is not allowed ({@code auth.allowedNodeIds}, as for gRPC streams)
 * gets 403 {@code node-not-allowed} and learns nothing else; the result names the refused node so
 * the caller can log it (this class has no side effects).
 */
public final class RestDiscovery {
  /**
   * The outcome of one poll.
   *
   * @param status HTTP status
   * @param contentType media type of {@code body}
   * @param body JSON text; empty for 304
   * @param refusedNode the node id refused by {@code auth.allowedNodeIds} (403), else {@code null}
   */
  public record Result(int status, String contentType, String body, String refusedNode) {
    public Result(int status, String contentType, String body) {
      this(status, contentType, body, null);
    }
  }

  /** Where our own kinds of problem are named, as in the registration API. */
  static final String PROBLEM_TYPES = "https://loadeds.io/problems/";

  private static final JsonFormat.TypeRegistry TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(ClusterLoadAssignment.getDescriptor())
          .add(Cluster.getDescriptor())
          .add(Listener.getDescriptor())
          .add(RouteConfiguration.getDescriptor())
          .add(HttpConnectionManager.getDescriptor())
          .add(Router.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .build();

  private final ResourceSource source;
  private final Predicate<String> nodeAllowed;
  private final int maxNames;
  private final JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();
  private final JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(TYPES);

  /** A gateway that answers every node. */
  public RestDiscovery(ResourceSource source) {
    this(source, node -> true, XdsConfig.defaults().maxNamesPerSubscription());
  }

  /**
   * @param nodeAllowed whether a poll naming this node id (empty when it names none) is answered
   * @param maxNames how many resources a poll may name; one naming more gets 400
   */
  public RestDiscovery(ResourceSource source, Predicate<String> nodeAllowed, int maxNames) {
    this.source = source;
    this.nodeAllowed = nodeAllowed;
    this.maxNames = maxNames;
  }

  /**
   * Answers a poll for the type named by the path suffix (e.g. {@code endpoints}), with the body as
   * received: it must be UTF-8.
   */
  public Result handle(String typeName, byte[] body) {
    Optional<ResourceType> type = ResourceType.fromRestName(typeName);
    if (type.isEmpty()) {
      return unknownType(typeName);
    }
    StrictJson.Checked checked = StrictJson.check(body);
    return checked.ok() ? answer(type.get(), checked.text()) : malformed(checked.problem());
  }

  /** Answers a poll for the type named by the path suffix (e.g. {@code endpoints}). */
  public Result handle(String typeName, String body) {
    Optional<ResourceType> type = ResourceType.fromRestName(typeName);
    if (type.isEmpty()) {
      return unknownType(typeName);
    }
    Optional<String> bad = StrictJson.problemIn(body);
    return bad.isPresent() ? malformed(bad.get()) : answer(type.get(), body);
  }

  private static Result unknownType(String typeName) {
    return problem(
        404,
        "Unknown discovery type",
        "no discovery type '" + ClientText.printable(typeName) + "'");
  }

  private static Result malformed(String detail) {
    return problem(400, "malformed-json", "Malformed DiscoveryRequest", detail);
  }

  /** The answer to a body that is JSON (not yet known to be a DiscoveryRequest). */
  private Result answer(ResourceType type, String body) {
    DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder();
    try {
      parser.merge(body, request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The parser's message may quote the body: escaped and cut.
      return malformed(
          "body is not a JSON DiscoveryRequest: " + ClientText.printable(e.getMessage()));
    }
    // Checked before anything else of the request: a refused node learns nothing about resources.
    String node = request.getNode().getId();
    if (!nodeAllowed.test(node)) {
      Result refused =
          problem(
              403,
              "node-not-allowed",
              "Node not allowed",
              "node id '"
                  + ClientText.printable(node)
                  + "' may not poll this server (auth.allowedNodeIds)");
      return new Result(refused.status(), refused.contentType(), refused.body(), node);
    }
    String typeUrl = request.getTypeUrl();
    if (!typeUrl.isEmpty() && !typeUrl.equals(type.typeUrl())) {
      return problem(
          400,
          "Type mismatch",
          "type_url '" + ClientText.printable(typeUrl) + "' does not match " + type.typeUrl());
    }
    Subscription subscription = new Subscription(type, maxNames);
    try {
      subscription.replace(request.getResourceNamesList());
    } catch (Subscription.TooManyNames e) {
      return problem(400, "too-many-names", "Too many resource names", e.getMessage());
    }
    PreparedResponse prepared = PreparedResponse.prepare(source, subscription);
    if (prepared.withheld()) {
      return problem(
          503,
          "Warming up",
          "the server started moments ago and has not heard of "
              + ClientText.printable(String.join(", ", subscription.names()))
              + " yet; poll again shortly");
    }
    if (prepared.version().equals(request.getVersionInfo())) {
      return new Result(304, "application/json", "");
    }
    DiscoveryResponse response =
        DiscoveryResponse.newBuilder()
            .setVersionInfo(prepared.version())
            .setTypeUrl(type.typeUrl())
            .addAllResources(prepared.bodies())
            .build();
    try {
      return new Result(200, "application/json", printer.print(response));
    } catch (InvalidProtocolBufferException e) {
      // Only a resource type missing from TYPES gets here: a server bug, not the client's.
      throw new IllegalStateException("cannot print " + type, e);
    }
  }

  private static Result problem(int status, String title, String detail) {
    return problem(status, null, title, detail);
  }

  /**
   * @param kind our problem kind ({@code PROBLEM_TYPES + kind}), or {@code null} for {@code
   *     about:blank}
   */
  private static Result problem(int status, String kind, String title, String detail) {
    String json =
        new JsonObject()
            .put("type", kind == null ? "about:blank" : PROBLEM_TYPES + kind)
            .put("title", title)
            .put("status", status)
            .put("detail", detail)
            .encode();
    return new Result(status, "application/problem+json", json);
  }
}
