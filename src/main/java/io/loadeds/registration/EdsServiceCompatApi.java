package io.loadeds.registration;

import static io.loadeds.registration.Json.guarded;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The blog demo registry's API, {@code GET/POST/PUT/DELETE /edsservice/{service}}, so that its
 * backends work unmodified: a service is a cluster, and its host list is the set of that cluster's
 * endpoints registered through this API (source {@value #SOURCE}). Whole-list writes replace only
 * those, never endpoints registered through {@code /v1}. The entries carry no lease, because the
 * blog's backends never heartbeat.
 *
 * <p>A service exists from its POST (even with no hosts) to its DELETE, as in the original.
 *
 * <p>Threading: shared by all event loops. Each service's write runs inside {@link
 * ConcurrentHashMap#compute} on the service set, so existence checks and registry writes of one
 * service are atomic together (a PUT cannot bring back hosts of a service a concurrent DELETE
 * removed). The registry call in there is in-memory and short, as {@code compute} requires.
 *
 * <p>On a clustered replica the entries are replicated like any record (the answer waits for that,
 * see {@link WriteCommit}), but which services exist is this replica's own knowledge.
 */
final class EdsServiceCompatApi {
  /** The registry source of endpoints registered through this API. */
  static final String SOURCE = "edsservice";

  private static final String PATH = "/edsservice/{service}";

  private final Registry registry;
  private final AccessGuard guard;
  private final WriteCommit commits;
  private final ConcurrentHashMap<String, Boolean> services = new ConcurrentHashMap<>();

  EdsServiceCompatApi(Registry registry, AccessGuard guard, WriteCommit commits) {
    this.registry = registry;
    this.guard = guard;
    this.commits = commits;
  }

  void mount(RouteTable routes, BodyHandler body) {
    routes.add(GET, PATH).handler(guarded(this::get));
    // The blog's clients may send no content type; an explicit non-JSON one is still refused.
    routes
        .add(POST, PATH)
        .handler(body)
        .handler(Json.requireJson(true))
        .handler(guarded(this::create));
    routes
        .add(PUT, PATH)
        .handler(body)
        .handler(Json.requireJson(true))
        .handler(guarded(this::replace));
    routes.add(DELETE, PATH).handler(guarded(this::delete));
  }

  private void get(RoutingContext ctx) {
    String service = Json.pathName(ctx, "service");
    if (!services.containsKey(service)) {
      unknown(service).send(ctx);
      return;
    }
    List<Endpoint> hosts =
        registry.cluster(service).map(ClusterView::endpoints).orElse(List.of()).stream()
            .filter(e -> e.source().equals(SOURCE))
            .toList();
    Json.send(ctx, 200, EdsHostsJson.hosts(hosts));
  }

  private void create(RoutingContext ctx) {
    String service = Json.pathName(ctx, "service");
    ObjectNode body = Json.bodyObject(ctx);
    Map<String, Registration> hosts = EdsHostsJson.registrations(body);
    hosts.values().forEach(r -> guard.checkAddress(ctx, service, r.address()));
    AtomicBoolean created = new AtomicBoolean();
    commits
        .commit(
            null,
            () ->
                services.compute(
                    service,
                    (name, existing) -> {
                      if (existing != null) {
                        return existing;
                      }
                      // Throws (leaving the service absent) if the registry refuses an entry.
                      registry.replaceSource(name, SOURCE, hosts);
                      created.set(true);
                      return Boolean.TRUE;
                    }))
        .onSuccess(v -> created(ctx, service, body, created.get()))
        .onFailure(err -> RegistrationApi.notCommitted(ctx, err));
  }

  private static void created(
      RoutingContext ctx, String service, ObjectNode body, boolean created) {
    if (!created) {
      String message = "service " + service + " already exists";
      Problem.typed("service-exists", "Service exists", 409, message + "; use PUT to replace it")
          .with("message", message)
          .send(ctx);
      return;
    }
    Json.send(ctx, 201, body);
  }

  private void replace(RoutingContext ctx) {
    String service = Json.pathName(ctx, "service");
    ObjectNode body = Json.bodyObject(ctx);
    Map<String, Registration> hosts = EdsHostsJson.registrations(body);
    hosts.values().forEach(r -> guard.checkAddress(ctx, service, r.address()));
    commits
        .commit(
            null,
            () ->
                services.computeIfPresent(
                    service,
                    (name, existing) -> {
                      registry.replaceSource(name, SOURCE, hosts);
                      return existing;
                    }))
        .onSuccess(
            exists -> {
              if (exists == null) {
                unknown(service).send(ctx);
              } else {
                Json.send(ctx, 200, body);
              }
            })
        .onFailure(err -> RegistrationApi.notCommitted(ctx, err));
  }

  private void delete(RoutingContext ctx) {
    String service = Json.pathName(ctx, "service");
    AtomicBoolean removed = new AtomicBoolean();
    commits
        .commit(
            null,
            () ->
                services.computeIfPresent(
                    service,
                    (name, existing) -> {
                      registry.replaceSource(name, SOURCE, Map.of());
                      removed.set(true);
                      return null;
                    }))
        .onSuccess(
            v -> {
              if (removed.get()) {
                ctx.response().setStatusCode(204).end();
              } else {
                unknown(service).send(ctx);
              }
            })
        .onFailure(err -> RegistrationApi.notCommitted(ctx, err));
  }

  /** 404 with the original's {@code message} member, which the blog's clients may read. */
  private static Problem unknown(String service) {
    String message = "service " + service + " not found";
    return Problem.typed(
            "unknown-service", "Unknown service", 404, message + "; create it with POST")
        .with("message", message);
  }
}
