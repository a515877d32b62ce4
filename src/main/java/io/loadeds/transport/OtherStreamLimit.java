package io.loadeds.transport;

import io.loadeds.logging.ClientText;
import io.loadeds.logging.ThrottledWarning;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds, on every connection together, the gRPC streams that the xDS limits do not count: those of
 * the health service and of ext_proc ({@code limits.maxOtherStreams}).
 *
 * <p>Why: a health watch stays open for as long as its client keeps it, and so may an ext_proc
 * exchange waiting for its next phase; each holds the transport's state of an HTTP/2 stream (about
 * 7 KB). The HTTP/2 settings bound them per connection, but nothing bounded the connections, so a
 * client opening watches over ever more connections could fill the heap and take the xDS service
 * down with it.
 *
 * <p>Health {@code Check} calls are counted apart, against a limit of the same size: a probe (a
 * Kubernetes gRPC probe, a load balancer's check) must still get its answer while watches and
 * ext_proc exchanges fill their share, or a flood of idle watches would get a healthy replica
 * restarted. They are counted at all because a client can hold a {@code Check} open by never
 * sending its request.
 *
 * <p>A stream above the limit is answered before the gRPC server sees it, in one HEADERS frame
 * (gRPC's trailers-only form): RESOURCE_EXHAUSTED and a message naming the limit, and logged at
 * most once a second ({@link ThrottledWarning}). An admitted stream gives its place back when its
 * HTTP/2 stream closes, whichever side ends it and however: a response's close handler runs once
 * for every HTTP/2 stream, also on reset and on the connection's close. gRPC-Web calls over
 * HTTP/1.1 count too (one per connection, but connections are not bounded) and give their place
 * back in the response's end handler, which Vert.x calls once, when the response is written or when
 * the connection closes first. Thread-safe: the counts are atomic; {@link #admit} runs on the
 * request's event loop.
 */
final class OtherStreamLimit {
  private static final System.Logger LOG = System.getLogger(OtherStreamLimit.class.getName());

  private final int max;
  private final Set<String> services;
  private final Set<String> apart;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger openApart = new AtomicInteger();
  // A client past the limit may retry at once and without end: one line per second is enough.
  private final ThrottledWarning refusals = new ThrottledWarning(LOG, TimeUnit.SECONDS.toNanos(1));

  /**
   * @param max {@code limits.maxOtherStreams}
   * @param services the gRPC service names whose streams are counted together
   * @param apart gRPC method paths ({@code /package.Service/Method}) counted in a pool of their
   *     own, of the same size, even when their service is among {@code services}
   */
  OtherStreamLimit(int max, Set<String> services, Set<String> apart) {
    this.max = max;
    this.services = Set.copyOf(services);
    this.apart = Set.copyOf(apart);
  }

  /**
   * Takes a place for {@code req} when it is a stream this limit counts. Returns whether the
   * request may go on to the gRPC server; when it may not, it has been answered.
   */
  boolean admit(HttpServerRequest req) {
    boolean byItself = apart.contains(req.path());
    if (!byItself && !services.contains(serviceOf(req.path()))) {
      return true;
    }
    AtomicInteger pool = byItself ? openApart : open;
    if (pool.incrementAndGet() > max) {
      pool.decrementAndGet();
      // The path of an apart method is one of ours: printable, no need to escape it.
      String what = byItself ? "calls of " + req.path() : "health and ext_proc streams";
      String refused = "more than limits.maxOtherStreams " + max + " " + what + " open";
      refusals.warn(
          "refused gRPC stream {0} from {1}: {2}",
          ClientText.printable(req.path()), req.connection().remoteAddress(), refused);
      req.response()
          // The framing the client asked for (gRPC or gRPC-Web); both take a trailers-only answer.
          .putHeader("content-type", req.getHeader("content-type"))
          .putHeader("grpc-status", Integer.toString(GrpcStatus.RESOURCE_EXHAUSTED.code))
          // Printable ASCII without '%', so no percent-encoding is needed.
          .putHeader("grpc-message", refused)
          .end();
      return false;
    }
    // Nothing else sets these handlers on a gRPC response (Vert.x's gRPC server does not): one
    // set later would replace this one and leak the place.
    if (req.version() == HttpVersion.HTTP_2) {
      req.response().closeHandler(v -> pool.decrementAndGet());
    } else {
      // gRPC-Web over HTTP/1.1: Vert.x calls the end handler once, when the response is written
      // or when the connection closes first.
      req.response().endHandler(v -> pool.decrementAndGet());
    }
    return true;
  }

  /** The service of a gRPC path, {@code /package.Service/Method}; empty when it has none. */
  private static String serviceOf(String path) {
    int slash = path == null ? -1 : path.lastIndexOf('/');
    return slash <= 0 ? "" : path.substring(1, slash);
  }
}
