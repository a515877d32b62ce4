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
 * @param load where load comes from; the Load Reporting Service (default: the backends, LRS off)
 * @param extProc Envoy external processing on the port (default: no processor)
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
    LoadConfig load,
    ExtProcConfig extProc,
    ClusterConfig cluster) {
  public ServerConfig {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(xds, "xds");
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(load, "load");
    Objects.requireNonNull(extProc, "extProc");
    Objects.requireNonNull(cluster, "cluster");
  }

  /** Every part at its default. */
  public static ServerConfig defaults() {
    return new ServerConfig(
        HttpConfig.defaults(),
        RegistryConfig.defaults(),
        XdsConfig.defaults(),
        LogConfig.defaults(),
        AuthConfig.defaults(),
        LimitsConfig.defaults(),
        TlsConfig.defaults(),
        LoadConfig.defaults(),
        ExtProcConfig.defaults(),
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
    load.validate();
    extProc.validate();
    cluster.validate();
    if (cluster.enabled() && load.source() != LoadSource.BACKEND) {
      // What a client reports over LRS reaches only the replica its stream is on; judged on that,
      // replicas would publish different assignments for one cluster (and different versions).
      throw new IllegalArgumentException(
          "load.source "
              + load.source().text()
              + " cannot be combined with cluster.enabled: LRS figures reach one replica only");
    }
    return this;
  }

  public ServerConfig withHttp(HttpConfig v) {
    return new ServerConfig(v, registry, xds, log, auth, limits, tls, load, extProc, cluster);
  }

  public ServerConfig withRegistry(RegistryConfig v) {
    return new ServerConfig(http, v, xds, log, auth, limits, tls, load, extProc, cluster);
  }

  public ServerConfig withXds(XdsConfig v) {
    return new ServerConfig(http, registry, v, log, auth, limits, tls, load, extProc, cluster);
  }

  public ServerConfig withLog(LogConfig v) {
    return new ServerConfig(http, registry, xds, v, auth, limits, tls, load, extProc, cluster);
  }

  public ServerConfig withAuth(AuthConfig v) {
    return new ServerConfig(http, registry, xds, log, v, limits, tls, load, extProc, cluster);
  }

  public ServerConfig withLimits(LimitsConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, v, tls, load, extProc, cluster);
  }

  public ServerConfig withTls(TlsConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, limits, v, load, extProc, cluster);
  }

  public ServerConfig withLoad(LoadConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, limits, tls, v, extProc, cluster);
  }

  public ServerConfig withExtProc(ExtProcConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, limits, tls, load, v, cluster);
  }

  public ServerConfig withCluster(ClusterConfig v) {
    return new ServerConfig(http, registry, xds, log, auth, limits, tls, load, extProc, v);
  }
}
