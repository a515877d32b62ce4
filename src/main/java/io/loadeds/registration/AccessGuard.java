package io.loadeds.registration;

import io.loadeds.auth.AddressAllowList;
import io.loadeds.auth.Identity;
import io.loadeds.auth.RateLimiter;
import io.loadeds.auth.Tokens;
import io.loadeds.logging.ClientText;
import io.loadeds.registry.LimitReachedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Who may do what on the REST port, decided before any route runs: registration writes ({@code
 * PUT/PATCH/DELETE /v1/clusters/{c}/endpoints/{id}}, {@code POST/PUT/DELETE /edsservice/{s}}) are
 * rate-limited per client address (429 with {@code Retry-After}) and, when tokens are configured,
 * need {@code Authorization: Bearer} with the global token or the cluster's own (401 without a
 * valid one, 403 for another cluster's). With {@code protectReads}, reads of {@code /v1/...}
 * (except the OpenAPI description), {@code /dashboard} and {@code /edsservice} need any valid
 * token; {@code /healthz}, {@code /readyz}, {@code /metrics} and xDS stay open. Also checks
 * registered addresses against the per-cluster allow-list (403). Every refusal is logged once at
 * WARNING with the client's address and identity, never the token.
 *
 * <p>Threading: one instance is shared by all event loops; its parts are immutable or thread-safe
 * ({@link RateLimiter}).
 */
public final class AccessGuard {
  private static final System.Logger LOG = System.getLogger(AccessGuard.class.getName());
  private static final String IDENTITY = "loadeds.identity";
  private static final Pattern V1_WRITE = Pattern.compile("/v1/clusters/([^/]+)/endpoints/[^/]+/?");
  private static final Pattern COMPAT = Pattern.compile("/edsservice/([^/]+)/?");
  private static final Set<HttpMethod> V1_WRITES =
      Set.of(HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);
  private static final Set<HttpMethod> COMPAT_WRITES =
      Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE);

  private final Tokens tokens;
  private final boolean protectReads;
  private final AddressAllowList addresses;
  private final RateLimiter limiter;

  /**
   * @param tokens the configured tokens; none means writes need no token
   * @param protectReads whether reads need a token (requires tokens)
   * @param addresses ranges each cluster's endpoints may use
   * @param limiter writes per second per client address
   */
  public AccessGuard(
      Tokens tokens, boolean protectReads, AddressAllowList addresses, RateLimiter limiter) {
    this.tokens = tokens;
    this.protectReads = protectReads;
    this.addresses = addresses;
    this.limiter = limiter;
  }

  /** A guard that lets everything through (no tokens, no allow-list, no rate limit). */
  public static AccessGuard open() {
    return new AccessGuard(
        Tokens.of(null, Map.of()),
        false,
        AddressAllowList.of(Map.of()),
        new RateLimiter(0, () -> 0));
  }

  /** Installs the guard in front of every route of {@code router}; call before mounting routes. */
  public void mount(Router router) {
    // Named, so the request metrics label what the guard refused without a raw path.
    router.route().setName("access-guard").handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    String path = ctx.normalizedPath();
    String cluster = writeTarget(method, path);
    boolean read = cluster == null && protectReads && isProtectedRead(method, path);
    if (cluster == null && !read) {
      ctx.next();
      return;
    }
    Identity who = identify(ctx);
    ctx.put(IDENTITY, who);
    if (cluster != null) {
      long wait = limiter.acquire(remote(ctx));
      if (wait > 0) {
        ctx.response().putHeader("retry-after", Long.toString(wait));
        refuse(
            ctx,
            Problem.typed(
                "rate-limited",
                "Too many requests",
                429,
                "more than the allowed registrations a second from this client"
                    + " (limits.registrationsPerSecondPerClient); retry after "
                    + wait
                    + " s"));
        return;
      }
    }
    if (cluster != null && !tokens.enabled()) {
      ctx.next();
    } else if (!who.authenticated()) {
      unauthenticated(ctx);
    } else if (cluster != null && !who.grants(cluster)) {
      refuse(
          ctx,
          Problem.typed(
                  "forbidden",
                  "Forbidden",
                  403,
                  "the token presented grants "
                      + who
                      + ", not cluster '"
                      + cluster
                      + "'; use the global token or this cluster's")
              .with("cluster", cluster));
    } else {
      ctx.next();
    }
  }

  /**
   * Refuses (403) registering {@code address} in {@code cluster} when the allow-list forbids it.
   *
   * @throws ProblemException when refused; the refusal is logged
   */
  void checkAddress(RoutingContext ctx, String cluster, String address) {
    if (addresses.allows(cluster, address)) {
      return;
    }
    String ranges =
        addresses.rangesFor(cluster).orElse(List.of()).stream()
            .map(Object::toString)
            .collect(Collectors.joining(", "));
    Problem p =
        Problem.typed(
                "address-not-allowed",
                "Address not allowed",
                403,
                "address "
                    + address
                    + " is outside the ranges allowed for cluster '"
                    + cluster
                    + "' ("
                    + ranges
                    + "; auth.allowedAddresses)")
            .with("address", address)
            .with("cluster", cluster);
    logRefusal(ctx, p);
    throw new ProblemException(p);
  }

  /** The 409 answer to a registry limit, logged. */
  static void limitReached(RoutingContext ctx, LimitReachedException e) {
    Problem p =
        Problem.typed("limit-reached", "Limit reached", 409, e.getMessage())
            .with("limit", e.limit())
            .with("value", e.value());
    logRefusal(ctx, p);
    p.send(ctx);
  }

  private void unauthenticated(RoutingContext ctx) {
    boolean presented = ctx.request().getHeader("authorization") != null;
    ctx.response()
        .putHeader(
            "www-authenticate",
            presented
                ? "Bearer realm=\"loadeds\", error=\"invalid_token\""
                : "Bearer realm=\"loadeds\"");
    refuse(
        ctx,
        Problem.typed(
            "unauthenticated",
            "Authentication required",
            401,
            presented
                ? "the bearer token is not valid"
                : "this request needs an Authorization: Bearer token"));
  }

  private static void refuse(RoutingContext ctx, Problem p) {
    logRefusal(ctx, p);
    p.send(ctx);
  }

  private static void logRefusal(RoutingContext ctx, Problem p) {
    Identity who = ctx.get(IDENTITY, Identity.NONE);
    LOG.log(
        System.Logger.Level.WARNING,
        "refused {0} {1} from {2} (identity {3}): {4} {5}",
        ctx.request().method(),
        ClientText.printable(ctx.request().path()),
        remote(ctx),
        who,
        p.status(),
        // The detail may quote a cluster name percent-decoded from the path.
        ClientText.printable(p.detail(), 400));
  }

  private Identity identify(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    if (header == null || header.length() < 7) {
      return Identity.NONE;
    }
    if (!header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return Identity.NONE;
    }
    return tokens.identify(header.substring(7).strip());
  }

  /** The cluster a registration write targets, or null when the request is not one. */
  private static String writeTarget(HttpMethod method, String path) {
    Matcher m;
    if (V1_WRITES.contains(method) && (m = V1_WRITE.matcher(path)).matches()) {
      return decode(m.group(1));
    }
    if (COMPAT_WRITES.contains(method) && (m = COMPAT.matcher(path)).matches()) {
      return decode(m.group(1));
    }
    return null;
  }

  private static boolean isProtectedRead(HttpMethod method, String path) {
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      return false;
    }
    return (path.startsWith("/v1/") && !path.equals(RegistrationApi.OPENAPI_PATH))
        || path.equals("/dashboard")
        || path.startsWith("/dashboard/")
        || path.startsWith("/edsservice/");
  }

  /** Percent-decodes a path segment as the router does ({@code +} stays a plus). */
  private static String decode(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return segment; // malformed: the route's own name check refuses it
    }
  }

  private static String remote(RoutingContext ctx) {
    SocketAddress a = ctx.request().remoteAddress();
    return a == null ? "unknown" : a.hostAddress();
  }
}
