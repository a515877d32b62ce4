package io.loadeds.registration;

import static io.loadeds.registration.Json.guarded;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.PUT;

import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The REST registration API of API.md §1 ({@code /v1}), its OpenAPI description ({@code GET
 * /v1/openapi.json}) and the blog demo's {@code /edsservice} API, all on one Vert.x Web router.
 * Errors are {@code application/problem+json} (RFC 9457), including the router's own 404, 405 and
 * 413 answers; a refused request changes nothing, because every body is parsed in full before the
 * registry is called and the registry validates before it changes anything.
 *
 * <p>Threading: one instance is shared by the verticles of all event loops; {@link #mount} is
 * called once per verticle with that verticle's router. Handlers run on the router's event loop and
 * call the registry directly (it is in-memory, thread-safe and never blocks); the instance's own
 * state is immutable apart from the compatibility API's thread-safe service set.
 */
public final class RegistrationApi {
  /** Path of the OpenAPI description, also the classpath resource it is served from. */
  public static final String OPENAPI_PATH = "/v1/openapi.json";

  private static final String ENDPOINT = "/v1/clusters/{cluster}/endpoints/{id}";

  private final Registry registry;
  private final ClusterVersions versions;
  private final int bodyLimitBytes;
  private final EdsServiceCompatApi compat;
  private final byte[] openApi;
  private final AccessGuard guard;
  private final WriteCommit commits;

  /**
   * @param registry where registrations go
   * @param versions the published EDS version per cluster, shown by {@code GET /v1/clusters}
   * @param bodyLimitBytes largest request body accepted; larger ones get 413
   */
  public RegistrationApi(Registry registry, ClusterVersions versions, int bodyLimitBytes) {
    this(registry, versions, bodyLimitBytes, AccessGuard.open());
  }

  /**
   * @param guard who may do what; {@link #mountGuard} installs it
   */
  public RegistrationApi(
      Registry registry, ClusterVersions versions, int bodyLimitBytes, AccessGuard guard) {
    this(registry, versions, bodyLimitBytes, guard, WriteCommit.LOCAL);
  }

  /**
   * @param commits when a write is durable enough to answer (a clustered replica waits for the
   *     cluster's map)
   */
  public RegistrationApi(
      Registry registry,
      ClusterVersions versions,
      int bodyLimitBytes,
      AccessGuard guard,
      WriteCommit commits) {
    this.commits = Objects.requireNonNull(commits);
    this.guard = Objects.requireNonNull(guard);
    this.registry = Objects.requireNonNull(registry);
    this.versions = Objects.requireNonNull(versions);
    this.bodyLimitBytes = bodyLimitBytes;
    this.compat = new EdsServiceCompatApi(registry, guard, commits);
    this.openApi = loadOpenApi();
  }

  /**
   * Installs the access guard in front of everything on {@code router}, admin and metrics routes
   * included; call it before any other mount.
   */
  public void mountGuard(Router router) {
    guard.mount(router);
  }

  /** Adds the API's routes and problem+json error pages to {@code router}. */
  public void mount(Router router) {
    RouteTable routes = new RouteTable(router);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(bodyLimitBytes);
    routes.add(GET, "/v1/clusters").handler(guarded(this::listClusters));
    routes.add(GET, "/v1/clusters/{cluster}").handler(guarded(this::getCluster));
    routes.add(GET, ENDPOINT).handler(guarded(this::getEndpoint));
    // Vert.x Web runs body handlers before user handlers, so the content type is checked after the
    // body is buffered; the body limit bounds what a 415 costs.
    routes
        .add(PUT, ENDPOINT)
        .handler(body)
        .handler(Json.requireJson(false))
        .handler(guarded(this::register));
    routes
        .add(PATCH, ENDPOINT)
        .handler(body)
        .handler(Json.requireJson(false))
        .handler(guarded(this::report));
    routes.add(DELETE, ENDPOINT).handler(guarded(this::deregister));
    routes.add(GET, OPENAPI_PATH).handler(this::openApi);
    compat.mount(routes, body);
    ErrorPages.install(router, routes, bodyLimitBytes);
  }

  private void register(RoutingContext ctx) {
    EndpointKey key = key(ctx);
    Registration registration = EndpointJson.registration(Json.bodyObject(ctx));
    guard.checkAddress(ctx, key.cluster(), registration.address());
    commits
        .commit(key, () -> registry.register(key, registration))
        .onSuccess(
            result -> {
              if (result.created()) {
                ctx.response().putHeader("location", ctx.request().path());
              }
              Json.send(ctx, result.created() ? 201 : 200, EndpointJson.view(result.endpoint()));
            })
        .onFailure(err -> notCommitted(ctx, err));
  }

  private void report(RoutingContext ctx) {
    EndpointKey key = key(ctx);
    LoadReport report = EndpointJson.loadReport(Json.bodyObject(ctx));
    commits
        .commit(key, () -> registry.report(key, report))
        .onSuccess(
            found ->
                found.ifPresentOrElse(
                    e -> Json.send(ctx, 200, EndpointJson.view(e)),
                    () ->
                        unknownEndpoint(
                                key,
                                "is not registered or its lease expired; register it again with PUT "
                                    + ctx.request().path())
                            .send(ctx)))
        .onFailure(err -> notCommitted(ctx, err));
  }

  private void deregister(RoutingContext ctx) {
    EndpointKey key = key(ctx);
    commits
        .commit(key, () -> registry.deregister(key))
        .onSuccess(
            removed -> {
              if (removed) {
                ctx.response().setStatusCode(204).end();
              } else {
                unknownEndpoint(key, "is not registered").send(ctx);
              }
            })
        .onFailure(err -> notCommitted(ctx, err));
  }

  /**
   * A write this replica accepted but could not hand to the cluster (it is leaving it, or lost it):
   * 503, so the backend retries, possibly on another replica.
   */
  static void notCommitted(RoutingContext ctx, Throwable err) {
    Problem.typed(
            "not-committed",
            "Service Unavailable",
            503,
            "the change could not be replicated to the cluster ("
                + err.getMessage()
                + "); retry, possibly on another replica")
        .send(ctx);
  }

  private void getEndpoint(RoutingContext ctx) {
    EndpointKey key = key(ctx);
    registry
        .endpoint(key)
        .ifPresentOrElse(
            e -> Json.send(ctx, 200, EndpointJson.view(e)),
            () -> unknownEndpoint(key, "is not registered").send(ctx));
  }

  private void listClusters(RoutingContext ctx) {
    Json.send(ctx, 200, EndpointJson.clusterList(registry.clusters(), versions::endpointsVersion));
  }

  private void getCluster(RoutingContext ctx) {
    String name = Json.pathName(ctx, "cluster");
    registry
        .cluster(name)
        .ifPresentOrElse(
            c ->
                Json.send(ctx, 200, EndpointJson.clusterDetail(c, versions.endpointsVersion(name))),
            () ->
                Problem.typed(
                        "unknown-cluster",
                        "Unknown cluster",
                        404,
                        "cluster '" + name + "' has no endpoints")
                    .send(ctx));
  }

  private void openApi(RoutingContext ctx) {
    // A fresh Buffer per answer: a Buffer is not safe to share between event loops.
    ctx.response().putHeader("content-type", Json.CONTENT_TYPE).end(Buffer.buffer(openApi));
  }

  private static EndpointKey key(RoutingContext ctx) {
    return new EndpointKey(Json.pathName(ctx, "cluster"), Json.pathName(ctx, "id"));
  }

  private static Problem unknownEndpoint(EndpointKey key, String why) {
    return Problem.typed(
        "unknown-endpoint", "Unknown endpoint", 404, "endpoint " + key + " " + why);
  }

  private static byte[] loadOpenApi() {
    // Read once at construction (startup), never on an event loop while serving.
    try (InputStream in = RegistrationApi.class.getResourceAsStream("/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
