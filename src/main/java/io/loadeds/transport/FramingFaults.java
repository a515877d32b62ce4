package io.loadeds.transport;

import io.loadeds.logging.ClientText;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers, as {@code application/problem+json}, the HTTP/1.1 requests whose framing the codec
 * refused, before the connection is closed (after such a fault the codec cannot find where the next
 * request starts, so the connection cannot be kept).
 *
 * <ul>
 *   <li>A fault in the request line or the headers ({@link #invalidRequest}, the server's invalid
 *       request handler): 414 for a request line longer than {@value #MAX_LINE} bytes, 431 for
 *       headers larger than {@value #MAX_HEADERS} bytes, else 400. Vert.x closes the connection
 *       once the answer is written.
 *   <li>A fault in a body being read (an invalid chunk size, a chunk line too long): Vert.x fails
 *       the request and closes the connection at once, so the route's body handler fails the
 *       routing context; {@link #mount} installs the failure handler that answers 400 and flushes
 *       it before that close.
 * </ul>
 *
 * <p>One fault the codec lets through, a header line without a name, is refused by {@link
 * #acceptable} before the request is routed.
 *
 * <p>A fault that arrives after the request's answer was written (a route that does not read the
 * body) only closes the connection: the client has its answer. HTTP/2 faults are the HTTP/2 codec's
 * (GOAWAY or RST_STREAM with PROTOCOL_ERROR). Stateless; handlers run on the connection's event
 * loop.
 */
final class FramingFaults {
  private static final System.Logger LOG = System.getLogger(FramingFaults.class.getName());

  static final int MAX_LINE = HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH;
  static final int MAX_HEADERS = HttpServerOptions.DEFAULT_MAX_HEADER_SIZE;
  private static final String TYPES = "https://loadeds.io/problems/";

  private FramingFaults() {}

  /** The server's invalid request handler: the request line or headers did not decode. */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof TooLongHttpLineException) {
      answer(
          request.response(),
          414,
          "request-line-too-long",
          "Request line too long",
          "the request line is longer than " + MAX_LINE + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      answer(
          request.response(),
          431,
          "headers-too-large",
          "Request header fields too large",
          "the request's headers are larger than " + MAX_HEADERS + " bytes");
    } else {
      answer(
          request.response(),
          400,
          "malformed-http",
          "Malformed HTTP request",
          "the request line or headers are not valid HTTP/1.1: " + reason(cause));
    }
  }

  /**
   * Refuses (400, then closes the connection) an HTTP/1.x request that the codec let through with a
   * header line of no name ({@code ": value"}), which HTTP/1.1 does not allow (a field name is a
   * token of at least one character). Every other malformed header the codec refuses itself.
   *
   * @return whether the request may be served
   */
  static boolean acceptable(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2 || !request.headers().contains("")) {
      return true;
    }
    // Its body, if any, is not read: the connection cannot carry another request.
    answer(
            request.response(),
            400,
            "malformed-http",
            "Malformed HTTP request",
            "the request has a header line without a name")
        .onComplete(done -> request.connection().close());
    return false;
  }

  /**
   * Installs the failure handler for faults in a body being read; call it before any other route is
   * added, so that it sees such a failure first.
   */
  static void mount(Router router) {
    router
        .route()
        .failureHandler(
            ctx -> {
              if (!isCodecFault(ctx.failure()) || ctx.response().headWritten()) {
                ctx.next();
                return;
              }
              LOG.log(
                  System.Logger.Level.DEBUG,
                  "malformed body framing on {0} {1}: {2}",
                  ctx.request().method(),
                  ClientText.printable(ctx.request().path()),
                  reason(ctx.failure()));
              answer(
                  ctx.response(),
                  400,
                  "malformed-http",
                  "Malformed HTTP request",
                  "the request body's framing is not valid HTTP/1.1: " + reason(ctx.failure()));
              flushBeforeClose(ctx);
            });
  }

  /**
   * Whether the request failed because the codec refused its bytes (and not because the client
   * left, or a handler of ours failed): the exception was raised by the codec itself.
   */
  static boolean isCodecFault(Throwable failure) {
    if (failure == null || failure instanceof HttpClosedException) {
      return false;
    }
    for (StackTraceElement frame : failure.getStackTrace()) {
      String cls = frame.getClassName();
      if (!cls.startsWith("java.")) {
        return cls.startsWith("io.netty.handler.codec.");
      }
    }
    return false;
  }

  /**
   * Vert.x closes the connection as soon as the failure handlers return, and writes made while it
   * is reading are only flushed when the read completes, so the answer would be dropped with the
   * connection. Vert.x has no public flush; its connection class has one. Without it (a future
   * Vert.x), the client sees the connection close without an answer, as before.
   */
  private static void flushBeforeClose(RoutingContext ctx) {
    if (ctx.request().connection() instanceof VertxConnection connection) {
      connection.flush();
    }
  }

  private static Future<Void> answer(
      HttpServerResponse response, int status, String kind, String title, String detail) {
    if (response.headWritten()) {
      return Future.succeededFuture();
    }
    return response
        .setStatusCode(status)
        .putHeader("content-type", "application/problem+json")
        .putHeader("connection", "close")
        .end(
            new JsonObject()
                .put("type", TYPES + kind)
                .put("title", title)
                .put("status", status)
                .put("detail", detail)
                .encode());
  }

  /** The codec's words, which may quote the client's bytes: escaped and cut. */
  private static String reason(Throwable cause) {
    if (cause == null) {
      return "unknown fault";
    }
    String message = cause.getMessage();
    return ClientText.printable(
        message == null || message.isBlank() ? cause.getClass().getSimpleName() : message);
  }
}
