package io.loadeds.registration;

import io.loadeds.logging.ClientText;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes the router's own error answers problem details too: unknown paths (404), a known path with
 * a method it does not serve (405, with {@code Allow}), a body over the limit (413, from the body
 * handler), and failures nothing else answered (500, logged). A request whose client went away is
 * not answered and not logged as an error. Stateless; installed once per router.
 */
final class ErrorPages {
  private static final System.Logger LOG = System.getLogger(ErrorPages.class.getName());

  /** The name of the path-less route that notes requests whose client went away. */
  static final String CLIENT_LEFT = "client-went-away";

  private static final int[] GENERIC = {400, 401, 403, 406, 414, 415, 431, 501, 503};

  private ErrorPages() {}

  static void install(Router router, RouteTable routes, long bodyLimitBytes) {
    // A client that hangs up mid-body (or a connection cut when the shutdown grace ends) makes the
    // body handler fail the request with status 200, which no error page matches; Vert.x would then
    // log it as a SEVERE "unhandled exception". Nobody is left to answer: note it quietly.
    router
        .route()
        .setName(CLIENT_LEFT)
        .failureHandler(
            ctx -> {
              if (ctx.failure() instanceof HttpClosedException || ctx.response().closed()) {
                LOG.log(
                    System.Logger.Level.DEBUG,
                    "client went away during {0} {1}",
                    ctx.request().method(),
                    ClientText.printable(ctx.request().path()));
              } else {
                ctx.next();
              }
            });
    for (int status : GENERIC) {
      router.errorHandler(status, ctx -> answer(ctx, Problem.of(status, null)));
    }
    router.errorHandler(
        404, ctx -> answer(ctx, Problem.of(404, "no resource at " + ctx.request().path())));
    router.errorHandler(405, ctx -> methodNotAllowed(ctx, routes));
    router.errorHandler(413, ctx -> answer(ctx, Problem.bodyTooLarge(bodyLimitBytes)));
    router.errorHandler(
        500,
        ctx -> {
          LOG.log(
              System.Logger.Level.ERROR,
              "unhandled failure on "
                  + ctx.request().method()
                  + " "
                  + ClientText.printable(ctx.request().path()),
              ctx.failure());
          answer(ctx, Problem.of(500, "internal error; see the server log"));
        });
  }

  private static void methodNotAllowed(RoutingContext ctx, RouteTable routes) {
    Set<HttpMethod> allowed = routes.allowed(ctx.request().path());
    String allow = allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
    if (!allow.isEmpty()) {
      ctx.response().putHeader("allow", allow);
    }
    answer(
        ctx,
        Problem.of(
            405,
            ctx.request().method()
                + " is not supported on "
                + ctx.request().path()
                + (allow.isEmpty() ? "" : "; allowed: " + allow)));
  }

  private static void answer(RoutingContext ctx, Problem problem) {
    // A handler may have failed after it started its answer; then there is nothing left to fix.
    if (!ctx.response().headWritten()) {
      problem.send(ctx);
    }
  }
}
