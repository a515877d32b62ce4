package io.loadeds.registration;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.registry.InvalidFieldException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.ext.web.RoutingContext;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An RFC 9457 problem detail, the body of every error answer of the API ({@code
 * application/problem+json}). Immutable; {@link #send} may be called on any event loop.
 *
 * @param type a URI naming the kind of problem ({@code about:blank} when the status says it all)
 * @param title a short summary of the kind, the same for every occurrence
 * @param status the HTTP status
 * @param detail what went wrong with this request, for a human
 * @param extensions extra members (e.g. {@code field}), written after the standard ones
 */
record Problem(
    String type, String title, int status, String detail, Map<String, Object> extensions) {
  static final String CONTENT_TYPE = "application/problem+json";
  static final String TYPES = "https://loadeds.io/problems/";

  Problem {
    Objects.requireNonNull(type);
    Objects.requireNonNull(title);
    extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions)); // keeps order
  }

  /** A problem whose status code says it all ({@code about:blank}). */
  static Problem of(int status, String detail) {
    return new Problem(
        "about:blank", HttpResponseStatus.valueOf(status).reasonPhrase(), status, detail, Map.of());
  }

  /** A problem of one of our own kinds, {@code https://loadeds.io/problems/<kind>}. */
  static Problem typed(String kind, String title, int status, String detail) {
    return new Problem(TYPES + kind, title, status, detail, Map.of());
  }

  /** 400 naming the offending field, both in the detail and as the {@code field} member. */
  static Problem invalidField(InvalidFieldException e) {
    return typed("invalid-field", "Invalid field", 400, e.getMessage()).with("field", e.field());
  }

  static Problem malformedJson(String detail) {
    return typed("malformed-json", "Malformed JSON", 400, detail);
  }

  static Problem unsupportedMediaType(String contentType) {
    return typed(
        "unsupported-media-type",
        "Unsupported media type",
        415,
        "the body must be JSON (content-type: application/json), got "
            + (contentType == null ? "no content-type" : "'" + contentType + "'"));
  }

  static Problem bodyTooLarge(long limit) {
    return typed(
        "body-too-large",
        "Request body too large",
        413,
        "the request body exceeds the limit of " + limit + " bytes (http.bodyLimitBytes)");
  }

  /** This problem with one more extension member. */
  Problem with(String member, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(extensions);
    more.put(member, value);
    return new Problem(type, title, status, detail, more);
  }

  /** Writes this problem as the answer; {@code instance} is the request's path. */
  void send(RoutingContext ctx) {
    ObjectNode body = Json.object();
    body.put("type", type);
    body.put("title", title);
    body.put("status", status);
    if (detail != null) {
      body.put("detail", detail);
    }
    body.put("instance", ctx.request().path());
    extensions.forEach((k, v) -> body.set(k, Json.MAPPER.valueToTree(v)));
    Json.send(ctx, status, CONTENT_TYPE, body);
  }
}
