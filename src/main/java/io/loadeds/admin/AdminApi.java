package io.loadeds.admin;

import io.loadeds.json.Rfc3339;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.RegistryView;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Clock;

/**
 * The operator's routes: {@code GET /healthz} (alive), {@code GET /readyz} (ready, else 503
 * problem+json), {@code GET /v1/debug/xds} (the config dump of {@link XdsDebugState}), {@code GET
 * /v1/events} (server-sent events, see {@link EventStream}: every registry event as {@code event:
 * registry}, a full {@code event: snapshot} at once, every {@link #SNAPSHOT_EVERY_MS} ms and
 * shortly after each change; it ends with {@code event: shutdown} when shutdown starts), and the
 * read-only dashboard's static files under {@code /dashboard/}.
 *
 * <p>Threading: one instance is shared by all event loops; {@link #mount} is called once per
 * verticle's router. Handlers run on the request's event loop; an SSE connection's timer and event
 * deliveries run on that same context, so its per-connection state needs no lock.
 */
public final class AdminApi {
  static final long SNAPSHOT_EVERY_MS = 2000;

  private final RegistryView registry;
  private final Readiness readiness;
  private final XdsDebugState xds;
  private final EventFeed feed;
  private final Clock clock;
  // Set once at start by a clustered replica (io.loadeds.cluster); null when running alone.
  private volatile java.util.function.Supplier<JsonObject> cluster;

  public AdminApi(
      RegistryView registry, Readiness readiness, XdsDebugState xds, EventFeed feed, Clock clock) {
    this.registry = registry;
    this.readiness = readiness;
    this.xds = xds;
    this.feed = feed;
    this.clock = clock;
  }

  /** Shows a clustered replica's members, role and replication lag at {@code /v1/debug/cluster}. */
  public void showCluster(java.util.function.Supplier<JsonObject> debug) {
    this.cluster = debug;
  }

  /** Adds the routes to {@code router}. */
  public void mount(Vertx vertx, Router router) {
    router
        .get("/healthz")
        .handler(ctx -> json(ctx.response(), 200, new JsonObject().put("status", "UP")));
    router.get("/readyz").handler(this::readyz);
    router.get("/v1/debug/xds").handler(ctx -> json(ctx.response(), 200, xds.dump()));
    router
        .get("/v1/debug/cluster")
        .handler(
            ctx -> {
              java.util.function.Supplier<JsonObject> c = cluster;
              json(
                  ctx.response(),
                  200,
                  c == null ? new JsonObject().put("clustered", false) : c.get());
            });
    router
        .get("/v1/events")
        .handler(ctx -> EventStream.open(vertx, ctx.response(), feed, readiness, this::snapshot));
    // Vert.x matches "/dashboard" to "/dashboard/" as well: redirect only the bare path, so
    // relative asset URLs resolve under /dashboard/.
    router
        .get("/dashboard")
        .handler(
            ctx -> {
              if (ctx.request().path().equals("/dashboard")) {
                ctx.response().setStatusCode(302).putHeader("location", "/dashboard/").end();
              } else {
                ctx.next();
              }
            });
    router.get("/dashboard/*").handler(StaticHandler.create("dashboard").setCachingEnabled(false));
  }

  private void readyz(RoutingContext ctx) {
    Readiness.Phase phase = readiness.phase();
    if (phase == Readiness.Phase.READY) {
      json(ctx.response(), 200, new JsonObject().put("status", "READY"));
      return;
    }
    ctx.response()
        .setStatusCode(503)
        .putHeader("content-type", "application/problem+json")
        .end(
            new JsonObject()
                .put("type", "https://loadeds.io/problems/not-ready")
                .put("title", "Service Unavailable")
                .put("status", 503)
                .put("detail", "not ready: " + phase.name().toLowerCase(java.util.Locale.ROOT))
                .encode());
  }

  /** The state the dashboard draws: clusters, xDS clients, admission-change history. */
  JsonObject snapshot() {
    JsonArray clusters = new JsonArray();
    for (ClusterView c : registry.clusters()) {
      JsonArray endpoints = new JsonArray();
      c.endpoints().forEach(e -> endpoints.add(endpoint(e)));
      clusters.add(new JsonObject().put("name", c.name()).put("endpoints", endpoints));
    }
    return new JsonObject()
        .put("now", clock.instant().toString())
        .put("clusters", clusters)
        .put("xds", xds.dump().getJsonArray("streams"))
        .put(
            "admissionChangesPerMinute",
            new JsonArray(
                java.util.Arrays.stream(feed.admissionChangesPerMinute()).boxed().toList()));
  }

  private static JsonObject endpoint(Endpoint e) {
    return new JsonObject()
        .put("id", e.id())
        .put("address", e.address())
        .put("port", e.port())
        .put("active", e.active())
        .put("capacity", e.capacity())
        .put("weight", e.weight())
        .put("effectiveWeight", e.effectiveWeight())
        .put("state", e.state().name())
        .put("admitted", e.admitted())
        .put(
            "locality",
            new JsonObject()
                .put("region", e.locality().region())
                .put("zone", e.locality().zone())
                .put("subZone", e.locality().subZone()))
        .put("leaseExpiresAt", Rfc3339.format(e.leaseExpiresAt()));
  }

  private static void json(HttpServerResponse response, int status, JsonObject body) {
    response.setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
