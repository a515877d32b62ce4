package io.loadeds.demo.backend;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where the EDS server's REST API is: host, port and whether to use TLS.
 *
 * @param host a host name or IP literal (IPv6 without brackets)
 * @param port the TCP port
 * @param ssl true for {@code https://}
 */
public record EdsAddress(String host, int port, boolean ssl) {

  /** The EDS server's default port, used when {@code host} alone is given. */
  public static final int DEFAULT_PORT = 18000;

  /**
   * Parses the blog's {@code EDS_SERVER} form {@code host:port} (also {@code host} alone and {@code
   * [::1]:18000}) or a full {@code http://} or {@code https://} URL; a path in the URL is ignored.
   *
   * @throws IllegalArgumentException when it is neither
   */
  public static EdsAddress parse(String text) {
    String trimmed = text.trim();
    boolean bare = !trimmed.contains("://");
    URI uri;
    try {
      uri = new URI(bare ? "http://" + trimmed : trimmed);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not host:port nor an http URL: " + text, e);
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("EDS server URL must be http or https: " + text);
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("no host in " + text);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean ssl = scheme.equals("https");
    int port = uri.getPort();
    if (port < 0) {
      port = bare ? DEFAULT_PORT : ssl ? 443 : 80;
    }
    return new EdsAddress(host, port, ssl);
  }

  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return (ssl ? "https://" : "http://") + h + ":" + port;
  }
}
