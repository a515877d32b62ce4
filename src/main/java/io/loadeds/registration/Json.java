package io.loadeds.registration;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.json.StrictJson;
import io.loadeds.registry.InvalidFieldException;
import io.loadeds.registry.LimitReachedException;
import io.loadeds.registry.Validation;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * The HTTP edge of the API: reading JSON requests, writing JSON answers, and turning refusals into
 * problem details. Stateless; the shared {@link ObjectMapper} is thread-safe once built.
 */
final class Json {
  /**
   * Strict on syntax so that an ambiguous body is refused rather than guessed at: a duplicate key
   * or trailing garbage is malformed JSON.
   */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  static final String CONTENT_TYPE = "application/json";

  // An endpoint's view is about 450 bytes: one segment holds it.
  private static final int INITIAL_BYTES = 1024;

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static void send(RoutingContext ctx, int status, JsonNode body) {
    send(ctx, status, CONTENT_TYPE, body);
  }

  static void send(RoutingContext ctx, int status, String contentType, JsonNode body) {
    send(ctx, status, contentType, out -> MAPPER.writeTree(out, body));
  }

  static void send(RoutingContext ctx, int status, Document body) {
    send(ctx, status, CONTENT_TYPE, body);
  }

  static void send(RoutingContext ctx, int status, String contentType, Document body) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(INITIAL_BYTES);
    try (JsonGenerator out = MAPPER.getFactory().createGenerator(bytes)) {
      body.writeTo(out);
    } catch (IOException e) {
      // Writing to memory what we built ourselves fails only on a bug (an unbalanced document).
      throw new UncheckedIOException(e);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", contentType)
        .end(Buffer.buffer(bytes.toByteArray()));
  }

  /**
   * An answer written straight to Jackson's streaming generator, for the answers sent most often
   * (an endpoint's view answers every load report), where building a tree first costs more than the
   * writing. Must write exactly one JSON value.
   */
  @FunctionalInterface
  interface Document {
    void writeTo(JsonGenerator out) throws IOException;
  }

  /**
   * Wraps a handler so that a refusal ({@link ProblemException}, or an {@link
   * InvalidFieldException} from our parsing or the registry's validation, a {@link
   * LimitReachedException} from the registry's limits) becomes its problem detail. Anything else is
   * a bug: it reaches the router's 500 handler.
   */
  static Handler<RoutingContext> guarded(Handler<RoutingContext> handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (ProblemException e) {
        e.problem().send(ctx);
      } catch (InvalidFieldException e) {
        Problem.invalidField(e).send(ctx);
      } catch (LimitReachedException e) {
        AccessGuard.limitReached(ctx, e);
      }
    };
  }

  /**
   * Refuses with 415 a request whose content type is not JSON ({@code application/json} or any
   * {@code application/*+json}, e.g. {@code merge-patch+json}).
   *
   * @param allowMissing accept a request without a content type (older clients of the compatibility
   *     API send none)
   */
  static Handler<RoutingContext> requireJson(boolean allowMissing) {
    return ctx -> {
      String type = ctx.request().getHeader("content-type");
      if (type == null ? allowMissing : isJson(type)) {
        ctx.next();
      } else {
        Problem.unsupportedMediaType(type).send(ctx);
      }
    };
  }

  static boolean isJson(String contentType) {
    String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mime.equals(CONTENT_TYPE) || (mime.startsWith("application/") && mime.endsWith("+json"));
  }

  /**
   * The request body as a JSON object. The bytes pass {@link StrictJson} first (UTF-8 without a
   * byte-order mark, strict syntax, bounded depth, no lone surrogate), and the mapper then reads
   * the checked text, never the bytes: given bytes, Jackson would guess UTF-16 or UTF-32.
   *
   * @throws ProblemException 400 when the body is empty, not strict UTF-8 JSON, or not an object
   */
  static ObjectNode bodyObject(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw new ProblemException(Problem.malformedJson("the request body must be a JSON object"));
    }
    StrictJson.Checked checked = StrictJson.check(buffer.getBytes());
    if (!checked.ok()) {
      throw new ProblemException(Problem.malformedJson("the request " + checked.problem()));
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(checked.text());
    } catch (JsonProcessingException e) {
      throw new ProblemException(
          Problem.malformedJson("the request body is not valid JSON: " + describe(e)));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen when reading from a string
    }
    if (node == null || !node.isObject()) {
      throw new ProblemException(
          Problem.malformedJson(
              "the request body must be a JSON object, got "
                  + (node == null
                      ? "nothing"
                      : node.getNodeType().name().toLowerCase(Locale.ROOT))));
    }
    return (ObjectNode) node;
  }

  /**
   * A name from the path, checked like the registry checks names.
   *
   * @throws InvalidFieldException naming the path parameter
   */
  static String pathName(RoutingContext ctx, String param) {
    String value = ctx.pathParam(param);
    Validation.name(param, value);
    return value;
  }

  private static String describe(JsonProcessingException e) {
    // The original message without Jackson's source excerpt, which would echo the client's bytes.
    String where =
        e.getLocation() == null
            ? ""
            : " (line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ")";
    return e.getOriginalMessage() + where;
  }
}
