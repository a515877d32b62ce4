package io.loadeds.config;

import java.time.Duration;
import java.util.List;

/**
 * The one listening port. Immutable.
 *
 * @param host interface to bind (default {@code 0.0.0.0})
 * @param port TCP port (default 18000; 0 picks a free one, for tests)
 * @param bodyLimitBytes largest REST request body accepted (default 64 KiB; larger ones get 413)
 * @param eventLoops how many event loops serve the port (default: half the cores, at least one; see
 *     {@link #defaultEventLoops})
 * @param shutdownGrace on shutdown, how long in-flight requests may take to finish after the port
 *     stopped accepting and HTTP/2 clients were sent GOAWAY (default 10 s); then connections close
 * @param transport the network transport under the loops, one of {@link #TRANSPORTS}: {@code auto}
 *     (default: Linux's epoll where its native library loads, else Java's NIO), {@code nio}, {@code
 *     epoll} or {@code io_uring}; a native one that is named but cannot load fails the start
 */
public record HttpConfig(
    String host,
    int port,
    int bodyLimitBytes,
    int eventLoops,
    Duration shutdownGrace,
    String transport) {

  /** The values {@link #transport} may take. */
  public static final List<String> TRANSPORTS = List.of("auto", "nio", "epoll", "io_uring");

  /** A configuration with the default shutdown grace and transport. */
  public HttpConfig(String host, int port, int bodyLimitBytes, int eventLoops) {
    this(host, port, bodyLimitBytes, eventLoops, Duration.ofSeconds(10), "auto");
  }

  public static HttpConfig defaults() {
    return new HttpConfig(
        "0.0.0.0", 18000, 64 * 1024, defaultEventLoops(Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Half the cores, at least one. The other half is left to what runs beside the loops: the garbage
   * collector, the JIT compilers, the kernel's network stack and, often, the clients on the same
   * host. On two cores (the bench's machine), one loop against two served 60,000 registrations a
   * second against 38,000 for the same CPU, cut fan-out 1000's last-stream p99 from 25 to 16 ms,
   * and took the thread hop out of every change: a write and the streams it wakes are then always
   * on the same loop.
   */
  public static int defaultEventLoops(int cores) {
    return Math.max(1, cores / 2);
  }

  public HttpConfig validate() {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("http.host must not be empty");
    }
    Checks.range("http.port", port, 0, 65535);
    Checks.range("http.bodyLimitBytes", bodyLimitBytes, 256, 64 * 1024 * 1024);
    Checks.range("http.eventLoops", eventLoops, 1, 256);
    Checks.notNegative("http.shutdownGrace", shutdownGrace);
    if (shutdownGrace.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("http.shutdownGrace must be at most 5m");
    }
    if (transport == null || !TRANSPORTS.contains(transport)) {
      throw new IllegalArgumentException(
          "http.transport must be one of "
              + String.join(", ", TRANSPORTS)
              + ", not '"
              + transport
              + "'");
    }
    return this;
  }

  public HttpConfig withPort(int v) {
    return new HttpConfig(host, v, bodyLimitBytes, eventLoops, shutdownGrace, transport);
  }

  public HttpConfig withHost(String v) {
    return new HttpConfig(v, port, bodyLimitBytes, eventLoops, shutdownGrace, transport);
  }

  public HttpConfig withBodyLimitBytes(int v) {
    return new HttpConfig(host, port, v, eventLoops, shutdownGrace, transport);
  }

  public HttpConfig withEventLoops(int v) {
    return new HttpConfig(host, port, bodyLimitBytes, v, shutdownGrace, transport);
  }

  public HttpConfig withShutdownGrace(Duration v) {
    return new HttpConfig(host, port, bodyLimitBytes, eventLoops, v, transport);
  }

  public HttpConfig withTransport(String v) {
    return new HttpConfig(host, port, bodyLimitBytes, eventLoops, shutdownGrace, v);
  }
}
