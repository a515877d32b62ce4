package io.loadeds.logging;

/**
 * Client-provided text (node ids, resource names, parser messages that quote a body) made safe to
 * put in a log line or an error detail: characters that could end the line or hide text (controls,
 * line and paragraph separators, format characters such as bidi overrides, lone surrogates) and the
 * backslash are escaped Java-style, so one log record stays one line and a forged record cannot be
 * slipped in; and the text is cut to {@link #MAX_CHARS}, so a client cannot make the server write
 * (or answer with) megabytes. Stateless.
 */
public final class ClientText {
  /** How many characters of client text are kept; the rest is summarised by its length. */
  public static final int MAX_CHARS = 200;

  private ClientText() {}

  /** {@code text} escaped and cut to {@link #MAX_CHARS} characters (plus a note of the cut). */
  public static String printable(String text) {
    return printable(text, MAX_CHARS);
  }

  /** {@code text} escaped and cut to {@code max} characters (plus a note of the cut). */
  public static String printable(String text, int max) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 24);
    int i = 0;
    for (; i < text.length() && out.length() < max; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i)); // a pair stays whole, even at the cut
      } else if (c == '\\') {
        out.append("\\\\");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (unsafe(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (i < text.length()) {
      out.append("...(").append(text.length() - i).append(" more characters)");
    }
    return out.toString();
  }

  private static boolean unsafe(char c) {
    return switch (Character.getType(c)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE, // only lone ones get here
          Character.UNASSIGNED ->
          true;
      default -> false;
    };
  }
}
