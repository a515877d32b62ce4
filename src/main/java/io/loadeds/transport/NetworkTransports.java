package io.loadeds.transport;

import io.loadeds.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.transport.Transport;

/**
 * Turns the {@code http.transport} setting into the Vert.x network transport the server's loops run
 * on, and names the one a running {@link Vertx} uses. Stateless; callable from any thread.
 *
 * <p>{@code auto} takes Linux's epoll when its native library loads (the jar carries it for x86-64
 * and ARM64, glibc) and Java's NIO otherwise, so the server starts everywhere. A native transport
 * that is named explicitly must load, or the start fails with the reason: a user who asked for
 * io_uring should not silently get NIO. io_uring is never picked by {@code auto}: container
 * runtimes' default seccomp profiles often refuse its system calls.
 */
public final class NetworkTransports {

  private NetworkTransports() {}

  /**
   * The transport {@code setting} names.
   *
   * @param setting one of {@link io.loadeds.config.HttpConfig#TRANSPORTS}
   * @throws ConfigException if it names a native transport that cannot load here
   */
  public static Transport select(String setting) {
    return select(setting, Transport.EPOLL, Transport.IO_URING);
  }

  /** {@link #select(String)} with the native transports given, so tests can make them fail. */
  static Transport select(String setting, Transport epoll, Transport ioUring) {
    return switch (setting) {
      case "auto" -> epoll.available() ? epoll : Transport.NIO;
      case "nio" -> Transport.NIO;
      case "epoll" -> require(setting, epoll);
      case "io_uring" -> require(setting, ioUring);
      default -> throw new ConfigException("http.transport has no value '" + setting + "'");
    };
  }

  private static Transport require(String setting, Transport transport) {
    if (transport.available()) {
      return transport;
    }
    Throwable cause = transport.unavailabilityCause();
    throw new ConfigException(
        "http.transport is "
            + setting
            + " but it cannot be used here ("
            + (cause == null ? "no reason given" : cause)
            + "); use auto or nio",
        cause);
  }

  /**
   * The name ({@code nio}, {@code epoll}, {@code io_uring}) of the transport {@code vertx} runs on.
   */
  public static String nameOf(Vertx vertx) {
    // It runs on an event loop (the start log line): on NIO, return before asking a native
    // transport whether it is available, which would load its library there.
    if (!vertx.isNativeTransportEnabled()) {
      return Transport.NIO.name();
    }
    Class<?> running = ((VertxInternal) vertx).transport().getClass();
    // The constants of transports whose classes are absent (KQUEUE on Linux) are null.
    for (Transport t : new Transport[] {Transport.EPOLL, Transport.IO_URING, Transport.KQUEUE}) {
      if (t != null && t.available() && t.implementation().getClass() == running) {
        return t.name();
      }
    }
    return Transport.NIO.name();
  }
}
