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
 * @param auth who may register, read and connect
 * @param limits limits per cluster, in total and per client
 * @param tls TLS and mutual TLS on the port (default off)
 * @param cluster scale-out over several replicas (default off)
 */
public record ServerConfig(
    HttpConfig http,
    RegistryConfig registry,
    XdsConfig xds,
    LogConfig log,
    AuthConfig auth,
    LimitsConfig limits,
    TlsConfig tls,
    ClusterConfig cluster) {
  public ServerConfig {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(xds, "xds");
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(cluster, "cluster");
  }

  /** A configuration of one server, not clustered. */
  public ServerConfig(
      HttpConfig http,
      RegistryConfig registry,
      XdsConfig xds,
      LogConfig log,
      AuthConfig auth,
      LimitsConfig limits,
      TlsConfig tls) {
    this(http, registry, xds, log, auth, limits, tls, ClusterConfig.defaults());
  }

  /** A configuration without TLS. */
  public ServerConfig(
      HttpConfig http,
      RegistryConfig registry,
      XdsConfig xds,
      LogConfig log,
      AuthConfig auth,
      LimitsConfig limits) {
    this(http, registry, xds, log, auth, limits, TlsConfig.defaults());
  }

  /** A configuration with the default {@link AuthConfig} and {@link LimitsConfig}. */
  public ServerConfig(HttpConfig http, RegistryConfig registry, XdsConfig xds, LogConfig log) {
    this(http, registry, xds, log, AuthConfig.defaults(), LimitsConfig.defaults());
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
        LogConfig.defaults(),
        AuthConfig.defaults(),
        LimitsConfig.defaults(),
        TlsConfig.defaults(),
        ClusterConfig.defaults());
  }

  /** Checks every value; throws {@link IllegalArgumentException} naming the first bad one. */
  public ServerConfig validate() {
    http.validate();
    registry.validate();
    xds.validate();
    log.validate();
    auth.validate();
    limits.validate();
    tls.validate();
    cluster.validate();
    return this;
  }

  public ServerConfig withHttp(HttpConfig v) {
    return new ServerConfig(v, registry, xds, log, auth, limits, tls, cluster);
  }

  public ServerConfig withRegistry(RegistryConfig v) {
    return new ServerConfig(http, v, xds, log, auth, limits, tls, cluster);
  }

  public ServerConfig withXds(XdsConfig v) {
    return new ServerConfig(http, registry, v, log, auth, limits, tls, cluster);
  }

  public ServerConfig withLog(LogConfig v) {
    return new ServerConfig(http, registry, xds, v, auth, limits, tls, cluster);
  }

  public ServerConfig withAuth(AuthConfig v) {
    return new ServerConfig(http, registry, xds, log, v, limits, tls, cluster);
  }

  public ServerConfig withLimits(LimitsConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, v, tls, cluster);
  }

  public ServerConfig withTls(TlsConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, limits, v, cluster);
  }

  public ServerConfig withCluster(ClusterConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, limits, tls, v);
  }
}
