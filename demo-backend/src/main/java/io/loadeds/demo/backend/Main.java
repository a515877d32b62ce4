package io.loadeds.demo.backend;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo backend's command line: reads flags and the blog's environment variables, starts a
 * {@link BackendVerticle}, and on SIGTERM or Ctrl-C runs its graceful stop before the JVM exits.
 *
 * <p>Threading: {@link #call()} runs on the main thread and returns once the backend is up
 * (Vert.x's threads keep the JVM alive); the stop runs on the JVM's shutdown-hook thread and blocks
 * only it.
 */
@Command(
    name = "demo-backend",
    mixinStandardHelpOptions = true,
    version = "demo-backend 0.1.0",
    sortOptions = false,
    description = {
      "A gRPC Math/Max server that takes at most --capacity concurrent streams, refuses more with"
          + " RESOURCE_EXHAUSTED, and reports its load to the LoadEDS server.",
      "Every option also reads the environment variable named in its description."
    })
public final class Main implements Callable<Integer> {

  @Option(
      names = "--eds-server",
      paramLabel = "HOST:PORT|URL",
      defaultValue = "${env:EDS_SERVER:-127.0.0.1:18000}",
      description =
          "EDS server, host:port or http(s):// URL (env EDS_SERVER). Default: ${DEFAULT-VALUE}")
  String edsServer;

  @Option(
      names = "--my-ip",
      paramLabel = "IP",
      defaultValue = "${env:MY_IP:-127.0.0.1}",
      description = "IP literal registered for this backend (env MY_IP). Default: ${DEFAULT-VALUE}")
  String myIp;

  @Option(
      names = "--bind",
      paramLabel = "HOST",
      defaultValue = "${env:BIND:-0.0.0.0}",
      description = "Interface the gRPC server listens on (env BIND). Default: ${DEFAULT-VALUE}")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "${env:PORT:-50051}",
      description = "gRPC port, 0 for a free one (env PORT). Default: ${DEFAULT-VALUE}")
  int port;

  @Option(
      names = "--cluster",
      paramLabel = "NAME",
      defaultValue = "${env:CLUSTER:-demo}",
      description = "EDS cluster to join (env CLUSTER). Default: ${DEFAULT-VALUE}")
  String cluster;

  @Option(
      names = "--capacity",
      paramLabel = "N",
      defaultValue = "${env:CAPACITY:-3}",
      description = "Concurrent Max streams taken (env CAPACITY). Default: ${DEFAULT-VALUE}")
  int capacity;

  @Option(
      names = "--id",
      paramLabel = "ID",
      defaultValue = "${env:BACKEND_ID}",
      description = "Endpoint id (env BACKEND_ID). Default: <hostname>-<port>")
  String id;

  @Option(
      names = "--ttl",
      paramLabel = "SECONDS",
      defaultValue = "${env:TTL_SECONDS:-15}",
      description =
          "Lease in seconds; heartbeats every third of it (env TTL_SECONDS). Default: ${DEFAULT-VALUE}")
  int ttlSeconds;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      defaultValue = "${env:GRACE:-10s}",
      converter = DurationConverter.class,
      description =
          "How long open streams may finish after SIGTERM, e.g. 10s, 500ms (env GRACE)."
              + " Default: ${DEFAULT-VALUE}")
  Duration grace;

  public static void main(String[] args) {
    int exit = new CommandLine(new Main()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
    // Exit 0 means "started": Vert.x's threads keep the process alive until SIGTERM.
  }

  @Override
  public Integer call() throws Exception {
    BackendConfig config;
    try {
      config =
          new BackendConfig(
              EdsAddress.parse(edsServer),
              myIp,
              bind,
              port,
              cluster,
              capacity,
              id == null || id.isBlank() ? null : id,
              Duration.ofSeconds(ttlSeconds),
              grace,
              Map.of("app", "demo-backend"));
    } catch (IllegalArgumentException e) {
      System.err.println("demo-backend: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    BackendVerticle backend = new BackendVerticle(config, HostNames.local());
    String deployment;
    try {
      deployment = vertx.deployVerticle(backend).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("demo-backend: could not start: " + e.getMessage());
      vertx.close().await(10, TimeUnit.SECONDS);
      return 1;
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> stop(vertx, deployment, config), "demo-backend-stop"));
    return 0;
  }

  private static void stop(Vertx vertx, String deployment, BackendConfig config) {
    // Bounded: the grace period plus time to deregister; the JVM exits once this returns. Two
    // awaits
    // from this thread, not one chained future: a continuation scheduled on an event loop that
    // close() has already stopped would never run.
    long budgetMillis = config.grace().toMillis() + 10_000;
    try {
      vertx.undeploy(deployment).await(budgetMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      System.err.println("demo-backend: unclean stop: " + e);
    }
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("demo-backend: unclean close: " + e);
    }
  }

  /** Reads {@code 10s}, {@code 500ms}, {@code 2m} or a plain number of seconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Durations.parse(value);
    }
  }
}
