package io.loadeds.config;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One setting: its key in the config file, its environment variable and flag, its help text, and
 * how to read and set it on a {@link ServerConfig}. The table {@link #ALL} is the single source of
 * truth for the file format, the environment, the flags and {@code --help}. Immutable.
 *
 * @param path key in the config file, e.g. {@code http.port}
 * @param help one line for {@code --help}
 * @param get reads the current value as text
 * @param set returns a config with the value parsed from text (throws IllegalArgumentException)
 */
public record ConfigKey(
    String path,
    String help,
    Function<ServerConfig, String> get,
    BiFunction<ServerConfig, String, ServerConfig> set) {

  /**
   * {@code LOADEDS_} and the path in upper snake case: {@code http.bodyLimitBytes} → {@code
   * LOADEDS_HTTP_BODY_LIMIT_BYTES}.
   */
  public String env() {
    return "LOADEDS_" + path.replace('.', '_').replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase();
  }

  /**
   * The path without its first part, in kebab case: {@code http.bodyLimitBytes} → {@code
   * --body-limit-bytes}, {@code registry.selfPreservation.maxHold} → {@code
   * --self-preservation-max-hold}. The {@code cluster.} keys keep their prefix ({@code
   * cluster.port} → {@code --cluster-port}), and {@code cluster.enabled} is {@code --cluster}.
   */
  public String flag() {
    if (path.startsWith("cluster.")) {
      // The cluster's keys keep their prefix (--cluster-port, not a second --port); the switch
      // itself is --cluster.
      return path.equals("cluster.enabled")
          ? "--cluster"
          : "--" + path.replace('.', '-').replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
    }
    String rest = path.substring(path.indexOf('.') + 1).replace('.', '-');
    return "--" + rest.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
  }

  /** Every setting, in the order {@code --help} lists them. */
  public static final List<ConfigKey> ALL =
      List.of(
          new ConfigKey(
              "http.host",
              "Interface to bind",
              c -> c.http().host(),
              (c, v) -> c.withHttp(c.http().withHost(v))),
          new ConfigKey(
              "http.port",
              "Port for REST and xDS (gRPC and REST-JSON); 0 picks a free one",
              c -> Integer.toString(c.http().port()),
              (c, v) -> c.withHttp(c.http().withPort(integer("http.port", v)))),
          new ConfigKey(
              "http.bodyLimitBytes",
              "Largest REST request body; larger ones get 413",
              c -> Integer.toString(c.http().bodyLimitBytes()),
              (c, v) -> c.withHttp(c.http().withBodyLimitBytes(integer("http.bodyLimitBytes", v)))),
          new ConfigKey(
              "http.eventLoops",
              "Event loops serving the port",
              c -> Integer.toString(c.http().eventLoops()),
              (c, v) -> c.withHttp(c.http().withEventLoops(integer("http.eventLoops", v)))),
          new ConfigKey(
              "http.shutdownGrace",
              "On SIGTERM, how long in-flight requests may finish after GOAWAY",
              c -> Durations.format(c.http().shutdownGrace()),
              (c, v) -> c.withHttp(c.http().withShutdownGrace(Durations.parse(v)))),
          new ConfigKey(
              "http.transport",
              "Network transport: auto (epoll where it loads, else nio), nio, epoll or io_uring",
              c -> c.http().transport(),
              (c, v) -> c.withHttp(c.http().withTransport(v))),
          new ConfigKey(
              "registry.defaultTtl",
              "Lease of a registration that names no ttlSeconds",
              c -> Durations.format(c.registry().defaultTtl()),
              (c, v) -> c.withRegistry(c.registry().withDefaultTtl(Durations.parse(v)))),
          new ConfigKey(
              "registry.maxTtl",
              "Longest lease a backend may ask for",
              c -> Durations.format(c.registry().maxTtl()),
              (c, v) -> c.withRegistry(c.registry().withMaxTtl(Durations.parse(v)))),
          new ConfigKey(
              "registry.reaperInterval",
              "How often lapsed leases are expired",
              c -> Durations.format(c.registry().reaperInterval()),
              (c, v) -> c.withRegistry(c.registry().withReaperInterval(Durations.parse(v)))),
          new ConfigKey(
              "registry.expiredRetention",
              "How long expired endpoints stay visible in the API",
              c -> Durations.format(c.registry().expiredRetention()),
              (c, v) -> c.withRegistry(c.registry().withExpiredRetention(Durations.parse(v)))),
          new ConfigKey(
              "registry.readmitHysteresis",
              "Extra free slots a full endpoint needs before it is re-admitted",
              c -> Integer.toString(c.registry().readmitHysteresis()),
              (c, v) ->
                  c.withRegistry(
                      c.registry()
                          .withReadmitHysteresis(integer("registry.readmitHysteresis", v)))),
          new ConfigKey(
              "registry.selfPreservation.threshold",
              "Fraction of a cluster's endpoints whose leases must lapse together (within one lease"
                  + " length, at least 2) to hold them back",
              c -> Double.toString(c.registry().selfPreservation().threshold()),
              (c, v) ->
                  c.withRegistry(
                      c.registry()
                          .withSelfPreservation(
                              c.registry()
                                  .selfPreservation()
                                  .withThreshold(
                                      decimal("registry.selfPreservation.threshold", v))))),
          new ConfigKey(
              "registry.selfPreservation.maxHold",
              "How long self-preservation keeps lapsed leases published (0: off)",
              c -> Durations.format(c.registry().selfPreservation().maxHold()),
              (c, v) ->
                  c.withRegistry(
                      c.registry()
                          .withSelfPreservation(
                              c.registry().selfPreservation().withMaxHold(Durations.parse(v))))),
          new ConfigKey(
              "xds.weightCoalesceWindow",
              "How long weight-only changes may wait to be pushed together (0: at once)",
              c -> Durations.format(c.xds().weightCoalesceWindow()),
              (c, v) -> c.withXds(c.xds().withWeightCoalesceWindow(Durations.parse(v)))),
          new ConfigKey(
              "xds.maxMessageBytes",
              "Largest gRPC message accepted from an xDS client; also how many characters an"
                  + " incremental client's names of one type may add up to",
              c -> Integer.toString(c.xds().maxMessageBytes()),
              (c, v) -> c.withXds(c.xds().withMaxMessageBytes(integer("xds.maxMessageBytes", v)))),
          new ConfigKey(
              "xds.maxNamesPerSubscription",
              "How many resources one xDS client may name for one type",
              c -> Integer.toString(c.xds().maxNamesPerSubscription()),
              (c, v) ->
                  c.withXds(
                      c.xds()
                          .withMaxNamesPerSubscription(integer("xds.maxNamesPerSubscription", v)))),
          new ConfigKey(
              "xds.warmUp",
              "After start, how long requests for unknown assignments wait instead of an empty one"
                  + " (0: off)",
              c -> Durations.format(c.xds().warmUp()),
              (c, v) -> c.withXds(c.xds().withWarmUp(Durations.parse(v)))),
          new ConfigKey(
              "xds.endpointStaleAfter",
              "policy.endpoint_stale_after on assignments: Envoy drops endpoints after this long"
                  + " without the server (0: not set)",
              c -> Durations.format(c.xds().endpointStaleAfter()),
              (c, v) -> c.withXds(c.xds().withEndpointStaleAfter(Durations.parse(v)))),
          new ConfigKey(
              "auth.token",
              "Global registration token, grants every cluster (prefer the environment)",
              c -> c.auth().token(),
              (c, v) -> c.withAuth(c.auth().withToken(v))),
          new ConfigKey(
              "auth.tokensFile",
              "YAML/JSON file {global: ..., clusters: {name: ...}} with registration tokens",
              c -> c.auth().tokensFile(),
              (c, v) -> c.withAuth(c.auth().withTokensFile(v))),
          new ConfigKey(
              "auth.protectReads",
              "Reads (GET /v1/..., /dashboard, /edsservice) need a token too",
              c -> Boolean.toString(c.auth().protectReads()),
              (c, v) -> c.withAuth(c.auth().withProtectReads(AuthConfig.parseBoolean(v)))),
          new ConfigKey(
              "auth.allowedAddresses",
              "Address ranges per cluster, e.g. shop=10.0.0.0/8,fd00::/8;*=10.0.0.0/8 (empty: any)",
              c -> AuthConfig.formatMap(c.auth().allowedAddresses()),
              (c, v) -> c.withAuth(c.auth().withAllowedAddresses(AuthConfig.parseMap(v)))),
          new ConfigKey(
              "auth.allowedNodeIds",
              "xDS node ids that may connect, exact or prefix*, comma-separated (empty: all)",
              c -> String.join(",", c.auth().allowedNodeIds()),
              (c, v) -> c.withAuth(c.auth().withAllowedNodeIds(AuthConfig.parseList(v)))),
          new ConfigKey(
              "limits.maxEndpointsPerCluster",
              "Endpoint records one cluster may hold; more get 409",
              c -> Integer.toString(c.limits().maxEndpointsPerCluster()),
              (c, v) ->
                  c.withLimits(
                      c.limits()
                          .withMaxEndpointsPerCluster(
                              integer("limits.maxEndpointsPerCluster", v)))),
          new ConfigKey(
              "limits.maxClusters",
              "Clusters the registry may hold; more get 409",
              c -> Integer.toString(c.limits().maxClusters()),
              (c, v) -> c.withLimits(c.limits().withMaxClusters(integer("limits.maxClusters", v)))),
          new ConfigKey(
              "limits.registrationsPerSecondPerClient",
              "REST writes a second per client address (0: no limit); more get 429",
              c -> Integer.toString(c.limits().registrationsPerSecondPerClient()),
              (c, v) ->
                  c.withLimits(
                      c.limits()
                          .withRegistrationsPerSecondPerClient(
                              integer("limits.registrationsPerSecondPerClient", v)))),
          new ConfigKey(
              "tls.certFile",
              "PEM certificate chain: with tls.keyFile the port serves HTTPS and gRPC over TLS",
              c -> c.tls().certFile(),
              (c, v) -> c.withTls(c.tls().withCertFile(v))),
          new ConfigKey(
              "tls.keyFile",
              "PEM private key of tls.certFile",
              c -> c.tls().keyFile(),
              (c, v) -> c.withTls(c.tls().withKeyFile(v))),
          new ConfigKey(
              "tls.clientCaFile",
              "PEM CA certificates for client certificates; when set, clients must present one"
                  + " (mutual TLS)",
              c -> c.tls().clientCaFile(),
              (c, v) -> c.withTls(c.tls().withClientCaFile(v))),
          new ConfigKey(
              "limits.maxStreamsPerConnection",
              "gRPC xDS streams open at once on one connection; more end with RESOURCE_EXHAUSTED",
              c -> Integer.toString(c.limits().maxStreamsPerConnection()),
              (c, v) ->
                  c.withLimits(
                      c.limits()
                          .withMaxStreamsPerConnection(
                              integer("limits.maxStreamsPerConnection", v)))),
          new ConfigKey(
              "limits.maxStreams",
              "gRPC xDS streams open at once in total; more end with RESOURCE_EXHAUSTED",
              c -> Integer.toString(c.limits().maxStreams()),
              (c, v) -> c.withLimits(c.limits().withMaxStreams(integer("limits.maxStreams", v)))),
          new ConfigKey(
              "limits.maxOtherStreams",
              "gRPC health watches and ext_proc exchanges open at once in total, and apart from"
                  + " them health checks; more end with RESOURCE_EXHAUSTED",
              c -> Integer.toString(c.limits().maxOtherStreams()),
              (c, v) ->
                  c.withLimits(
                      c.limits().withMaxOtherStreams(integer("limits.maxOtherStreams", v)))),
          new ConfigKey(
              "cluster.enabled",
              "Run as one replica of several sharing one registry (Hazelcast); see cluster.members",
              c -> Boolean.toString(c.cluster().enabled()),
              (c, v) -> c.withCluster(c.cluster().withEnabled(AuthConfig.parseBoolean(v)))),
          new ConfigKey(
              "cluster.host",
              "Interface the replicas' cluster connections bind and advertise",
              c -> c.cluster().host(),
              (c, v) -> c.withCluster(c.cluster().withHost(v))),
          new ConfigKey(
              "cluster.port",
              "Port of this replica's cluster connections (one concrete port per replica)",
              c -> Integer.toString(c.cluster().port()),
              (c, v) -> c.withCluster(c.cluster().withPort(integer("cluster.port", v)))),
          new ConfigKey(
              "cluster.members",
              "Replicas to join, host:port comma-separated (TCP/IP join; may list this one too)",
              c -> String.join(",", c.cluster().members()),
              (c, v) -> c.withCluster(c.cluster().withMembers(AuthConfig.parseList(v)))),
          new ConfigKey(
              "cluster.multicast",
              "Also find replicas by multicast",
              c -> Boolean.toString(c.cluster().multicast()),
              (c, v) -> c.withCluster(c.cluster().withMulticast(AuthConfig.parseBoolean(v)))),
          new ConfigKey(
              "log.format",
              "Log format: text, or json (one JSON object per line)",
              c -> c.log().format(),
              (c, v) -> c.withLog(c.log().withFormat(v).validate())),
          new ConfigKey(
              "load.source",
              "Load used for admission: backend (its own reports), lrs (what xDS clients report"
                  + " over LRS) or max (the larger)",
              c -> c.load().source().text(),
              (c, v) -> c.withLoad(c.load().withSource(LoadSource.parse(v)))),
          new ConfigKey(
              "load.lrs",
              "Serve LRS and ask clients for load reports even with load.source backend (figures"
                  + " in metrics and /v1/debug/lrs only)",
              c -> Boolean.toString(c.load().lrs()),
              (c, v) -> c.withLoad(c.load().withLrs(AuthConfig.parseBoolean(v)))),
          new ConfigKey(
              "load.lrsInterval",
              "LRS reporting interval asked of clients; a client silent for two stops counting",
              c -> Durations.format(c.load().lrsInterval()),
              (c, v) -> c.withLoad(c.load().withLrsInterval(Durations.parse(v)))),
          new ConfigKey(
              "extProc.processors",
              "Envoy ext_proc processors to run, in order, comma-separated (empty: none served)",
              c -> String.join(",", c.extProc().processors()),
              (c, v) -> c.withExtProc(c.extProc().withProcessors(AuthConfig.parseList(v)))),
          new ConfigKey(
              "extProc.retryAfter",
              "Retry-After of load-shedding's 503 when a cluster has no admitted endpoint",
              c -> Durations.format(c.extProc().retryAfter()),
              (c, v) -> c.withExtProc(c.extProc().withRetryAfter(Durations.parse(v)))),
          new ConfigKey(
              "extProc.clusterHeader",
              "Request header naming the LoadEDS cluster of a request, for load-shedding",
              c -> c.extProc().clusterHeader(),
              (c, v) -> c.withExtProc(c.extProc().withClusterHeader(v))));

  private static double decimal(String key, String v) {
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not a number");
    }
  }

  private static int integer(String key, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not a whole number");
    }
  }
}
