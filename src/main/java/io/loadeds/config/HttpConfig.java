package io.loadeds.config;

/**
 * The one listening port. Immutable.
 *
 * @param host interface to bind (default {@code 0.0.0.0})
 * @param port TCP port (default 18000; 0 picks a free one, for tests)
 * @param bodyLimitBytes largest REST request body accepted (default 64 KiB; larger ones get 413)
 * @param eventLoops how many event loops serve the port (default: the number of cores)
 */
public record HttpConfig(String host, int port, int bodyLimitBytes, int eventLoops) {
  public static HttpConfig defaults() {
    return new HttpConfig("0.0.0.0", 18000, 64 * 1024, Runtime.getRuntime().availableProcessors());
  }

  public HttpConfig validate() {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("http.host must not be empty");
    }
    Checks.range("http.port", port, 0, 65535);
    Checks.range("http.bodyLimitBytes", bodyLimitBytes, 256, 64 * 1024 * 1024);
    Checks.range("http.eventLoops", eventLoops, 1, 256);
    return this;
  }

  public HttpConfig withPort(int v) {
    return new HttpConfig(host, v, bodyLimitBytes, eventLoops);
  }

  public HttpConfig withHost(String v) {
    return new HttpConfig(v, port, bodyLimitBytes, eventLoops);
  }

  public HttpConfig withBodyLimitBytes(int v) {
    return new HttpConfig(host, port, v, eventLoops);
  }

  public HttpConfig withEventLoops(int v) {
    return new HttpConfig(host, port, bodyLimitBytes, v);
  }
}
