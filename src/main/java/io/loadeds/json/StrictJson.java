package io.loadeds.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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
 * What every REST request body must be before any parser that builds values sees it (registration,
 * load reports, {@code /edsservice}, REST polling): JSON text exchanged between systems, that is
 * UTF-8 without a byte-order mark (RFC 8259 §8.1), strict JSON syntax, nested at most {@link
 * #MAX_DEPTH} levels, and no string (member names included) holding an unpaired UTF-16 surrogate.
 *
 * <p>Why here and not in the parsers: Jackson, given bytes, guesses UTF-16 and UTF-32 from the
 * first bytes and accepts them; JSON escapes such as {@code "\ud800"} decode to a lone surrogate
 * that no UTF-8 encoder can write back (it would reach the registry, the REST views and the
 * endpoint metadata sent over xDS); and the parser behind protobuf's {@code JsonFormat} is lenient
 * and recurses once per nesting level. The body is decoded once with a strict decoder (a malformed
 * byte, an overlong form, an encoded surrogate or a code point beyond U+10FFFF is refused, not
 * replaced), then streamed once with Jackson, which keeps no recursion and stops at the depth
 * limit. Callers then parse the returned text, never the bytes, so no encoding is guessed anywhere.
 *
 * <p>Stateless and thread-safe.
 */
public final class StrictJson {
  /**
   * Deeper JSON is refused. An xDS request nests about a dozen levels, node metadata a few more, a
   * registration three.
   */
  public static final int MAX_DEPTH = 100;

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build();

  private StrictJson() {}

  /**
   * A body as checked: exactly one of the two is set.
   *
   * @param text the body as text, or {@code null} when it is refused
   * @param problem why it is refused, for a 400 detail (client text in it is escaped and cut), or
   *     {@code null}
   */
  public record Checked(String text, String problem) {
    /** Whether the body passed. */
    public boolean ok() {
      return problem == null;
    }
  }

  /** Checks {@code body} as received: UTF-8 first, then JSON. */
  public static Checked check(byte[] body) {
    Optional<String> notText = notUtf8Text(body);
    if (notText.isPresent()) {
      return new Checked(null, notText.get());
    }
    // Java's UTF-8 decoder refuses overlong forms, encoded surrogates (ED A0 80..ED BF BF) and
    // sequences beyond U+10FFFF as malformed; REPORT makes it say so instead of replacing them.
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
      // The decoder stops where the malformed sequence starts.
      return new Checked(null, "body is not valid UTF-8 (at byte " + in.position() + ")");
    }
    return problemIn(text).map(why -> new Checked(null, why)).orElse(new Checked(text, null));
  }

  /**
   * Why {@code json} (already text) is not one strict JSON value within {@link #MAX_DEPTH} levels
   * with only well-formed strings, or empty when it is.
   */
  public static Optional<String> problemIn(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      int values = 0;
      JsonToken token;
      while (true) {
        boolean atRoot = p.getParsingContext().inRoot();
        if ((token = p.nextToken()) == null) {
          break;
        }
        // A JSON text is one value; the parser alone would read a sequence of them.
        if (atRoot && ++values > 1) {
          return Optional.of(
              "body holds more than one JSON value" + lineAndColumn(p.currentTokenLocation()));
        }
        if (token == JsonToken.FIELD_NAME || token == JsonToken.VALUE_STRING) {
          int at = unpairedSurrogate(p.getText());
          if (at >= 0) {
            JsonLocation where = p.currentTokenLocation();
            return Optional.of(
                "body holds a "
                    + (token == JsonToken.FIELD_NAME ? "member name" : "string")
                    + " with an unpaired UTF-16 surrogate (a \\ud800-\\udfff escape without its"
                    + " pair)"
                    + lineAndColumn(where));
          }
        }
      }
      return values == 0 ? Optional.of("body holds no JSON value") : Optional.empty();
    } catch (StreamConstraintsException e) {
      return Optional.of("body is JSON nested deeper than " + MAX_DEPTH + " levels");
    } catch (JsonProcessingException e) {
      return Optional.of(
          "body is not JSON: "
              + ClientText.printable(e.getOriginalMessage())
              + lineAndColumn(e.getLocation()));
    } catch (IOException e) {
      return Optional.of("body is not JSON: " + e.getClass().getSimpleName());
    }
  }

  /**
   * The index of the first unpaired surrogate in {@code s}, or -1. Jackson decodes each {@code
   * \\uXXXX} escape to one char, so a high surrogate must be followed by a low one.
   */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Faults visible before decoding, named for what the client most likely sent: a byte-order mark,
   * or a NUL byte, which JSON text never holds raw (outside strings it is not whitespace, inside
   * them a control character must be escaped) but UTF-16 and UTF-32 text of ASCII is full of.
   */
  private static Optional<String> notUtf8Text(byte[] body) {
    if (startsWith(body, 0xEF, 0xBB, 0xBF)) {
      return Optional.of(
          "body starts with a byte-order mark; JSON must be UTF-8 without one (RFC 8259 section"
              + " 8.1)");
    }
    if (startsWith(body, 0xFE, 0xFF) || startsWith(body, 0xFF, 0xFE)) {
      return Optional.of(
          "body starts with a UTF-16 or UTF-32 byte-order mark; JSON must be UTF-8 (RFC 8259"
              + " section 8.1)");
    }
    for (int i = 0; i < body.length; i++) {
      if (body[i] == 0) {
        return Optional.of(
            "body holds a NUL byte (at byte "
                + i
                + "): JSON must be UTF-8, not UTF-16 or UTF-32 (RFC 8259 section 8.1), and a"
                + " control character in a string must be escaped");
      }
    }
    return Optional.empty();
  }

  private static boolean startsWith(byte[] body, int... prefix) {
    if (body.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((body[i] & 0xFF) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String lineAndColumn(JsonLocation at) {
    return at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
  }
}
