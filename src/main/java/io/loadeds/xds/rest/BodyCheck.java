package io.loadeds.xds.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.loadeds.logging.ClientText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What a REST poll's body must be before protobuf's JSON parser sees it: UTF-8 (a malformed byte is
 * refused, not replaced), and strict JSON nested at most {@link #MAX_DEPTH} levels deep. The parser
 * behind {@code JsonFormat} (Gson) is lenient and recurses once per level, so a deep body would
 * otherwise cost a {@link StackOverflowError} on the event loop. This check streams the body once
 * with Jackson, which keeps no recursion and stops at the limit. Stateless and thread-safe.
 */
final class BodyCheck {
  /**
   * Deeper JSON is refused. An xDS request nests about a dozen levels; node metadata a few more.
   */
  static final int MAX_DEPTH = 100;

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build();

  private BodyCheck() {}

  /**
   * A body as checked.
   *
   * @param text the body as text, or {@code null} when it is refused
   * @param problem why it is refused (for a 400 detail), or {@code null}
   */
  record Checked(String text, String problem) {}

  /** Decodes {@code body} as UTF-8, refusing a malformed byte, then checks it as JSON. */
  static Checked check(byte[] body) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(body);
    String text;
    try {
      text = decoder.decode(in).toString();
    } catch (CharacterCodingException e) {
      // The decoder stops where the malformed input starts.
      return new Checked(null, "body is not valid UTF-8 (at byte " + in.position() + ")");
    }
    return json(text).map(why -> new Checked(null, why)).orElse(new Checked(text, null));
  }

  /** Why {@code json} is not strict JSON within {@link #MAX_DEPTH} levels, or empty when it is. */
  static Optional<String> json(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      while (p.nextToken() != null) {
        // only the syntax and the depth are checked here
      }
      return Optional.empty();
    } catch (StreamConstraintsException e) {
      return Optional.of("body is JSON nested deeper than " + MAX_DEPTH + " levels");
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      return Optional.of(
          "body is not JSON: "
              + ClientText.printable(e.getOriginalMessage())
              + (at == null
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      return Optional.of("body is not JSON: " + e.getClass().getSimpleName());
    }
  }
}
