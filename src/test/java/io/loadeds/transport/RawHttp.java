package io.loadeds.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 exchange written byte for byte on a plain loopback socket, so that a test can send
 * what no HTTP client would (broken framing, any body bytes), and read back whatever the server
 * says until it closes the connection.
 */
final class RawHttp {
  private RawHttp() {}

  /**
   * What came back.
   *
   * @param status the status code of the first answer, or -1 when none came
   * @param headers its headers, names in lower case
   * @param body its body as UTF-8 text
   * @param raw everything received, for failure messages
   * @param timedOut whether the server kept the connection open without closing it
   */
  record Answer(
      int status, Map<String, String> headers, String body, String raw, boolean timedOut) {
    String contentType() {
      return headers.get("content-type");
    }
  }

  /** Writes {@code request}, then reads until the server closes (or 5 s pass). */
  static Answer exchange(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      boolean timedOut = false;
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          received.write(buffer, 0, n);
        }
      } catch (SocketTimeoutException e) {
        timedOut = true;
      } catch (IOException e) {
        // A reset after the answer (the server closed with our unread bytes pending) is an end.
      }
      return parse(received.toString(StandardCharsets.UTF_8), timedOut);
    }
  }

  /**
   * A request head (lines joined with CRLF, ending with the blank line) followed by {@code body}.
   */
  static byte[] request(String head, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static Answer parse(String raw, boolean timedOut) {
    int headEnd = raw.indexOf("\r\n\r\n");
    // The status line's protocol is not checked: Vert.x echoes an unknown one (see
    // RawHttpFuzzTest).
    String[] first = raw.split("\r\n", 2)[0].split(" ");
    if (headEnd < 0 || first.length < 2 || !first[1].matches("[1-5][0-9][0-9]")) {
      return new Answer(-1, Map.of(), "", raw, timedOut);
    }
    String[] lines = raw.substring(0, headEnd).split("\r\n");
    int status = Integer.parseInt(first[1]);
    Map<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    String rest = raw.substring(headEnd + 4);
    int length = Integer.parseInt(headers.getOrDefault("content-length", "" + rest.length()));
    String body =
        new String(
            rest.getBytes(StandardCharsets.UTF_8),
            0,
            Math.min(length, rest.getBytes(StandardCharsets.UTF_8).length),
            StandardCharsets.UTF_8);
    return new Answer(status, headers, body, raw, timedOut);
  }
}
