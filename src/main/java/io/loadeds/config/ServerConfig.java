package io.loadeds.config;

import java.util.Objects;

/**
 * The whole server configuration: one tree of records with documented defaults. Immutable; build
 * one with {@link #defaults()} and the {@code with...} methods, or load one with {@link
 * ConfigLoader}.
 *
 * @param http the listening port
 * @param registry leases and load policy
 * @param xds publishing
 * @param log log format
 */
public record ServerConfig(HttpConfig http, RegistryConfig registry, XdsConfig xds, LogConfig log) {
  public ServerConfig {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(xds, "xds");
    Objects.requireNonNull(log, "log");
  }

  /** A configuration with the default {@link LogConfig}. */
  public ServerConfig(HttpConfig http, RegistryConfig registry, XdsConfig xds) {
    this(http, registry, xds, LogConfig.defaults());
  }

  public static ServerConfig defaults() {
    return new ServerConfig(
        HttpConfig.defaults(),
        RegistryConfig.defaults(),
        XdsConfig.defaults(),
        LogConfig.defaults());
  }

  /** Checks every value; throws {@link IllegalArgumentException} naming the first bad one. */
  public ServerConfig validate() {
    http.validate();
    registry.validate();
    xds.validate();
    log.validate();
    return this;
  }

  public ServerConfig withHttp(HttpConfig v) {
    return new ServerConfig(v, registry, xds, log);
  }

  public ServerConfig withRegistry(RegistryConfig v) {
    return new ServerConfig(http, v, xds, log);
  }

  public ServerConfig withXds(XdsConfig v) {
    return new ServerConfig(http, registry, v, log);
  }

  public ServerConfig withLog(LogConfig v) {
    return new ServerConfig(http, registry, xds, v);
  }
}
