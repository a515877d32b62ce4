package io.loadeds.bench.jcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference for the benchmark: java-control-plane's {@link V3DiscoveryServer} over a {@link
 * SimpleCache} with one node group, fed by the same registration calls as our server ({@code
 * PUT/PATCH/DELETE /v1/clusters/{c}/endpoints/{id}}, JDK HTTP server). Every accepted call sets a
 * new snapshot, as an application built on that library naturally would. Prints {@code jcp-standin
 * xds=PORT rest=PORT} when ready. Test code only: it is not part of the server.
 */
public final class JcpStandIn {
  private static final Pattern PATH =
      Pattern.compile("/v1/clusters/([A-Za-z0-9._-]+)/endpoints/([A-Za-z0-9._-]+)");
  private static final String GROUP = "fleet";

  private final ObjectMapper json = new ObjectMapper();
  private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  private final StandInRegistry registry = new StandInRegistry();
  private long version;

  public static void main(String[] args) throws Exception {
    // The JDK server writes an answer's headers and body in two segments and leaves Nagle's
    // algorithm on by default: with the client's delayed ACK every answer then took about 44 ms,
    // which capped the stand-in's registrations at its connections / 44 ms (718/s on 32) and let
    // the harness's REST client idle while the pushes it timed arrived. Read when the first
    // HttpServer is made, so set before it.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    JcpStandIn standIn = new JcpStandIn();
    standIn.publish();
    V3DiscoveryServer discovery = new V3DiscoveryServer(standIn.cache);
    Server grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .addService(discovery.getEndpointDiscoveryServiceImpl())
            // grpc-java's own health service (SERVING): its idle Watch streams measure the
            // transport's share of a stream's heap, as our server's do (see HealthFleet).
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    ExecutorService workers = Executors.newFixedThreadPool(8);
    http.setExecutor(workers);
    http.createContext("/v1/clusters/", standIn::handle);
    http.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  http.stop(0);
                  workers.shutdownNow();
                  grpc.shutdownNow();
                }));
    System.out.println(
        "jcp-standin xds=" + grpc.getPort() + " rest=" + http.getAddress().getPort());
    grpc.awaitTermination();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Matcher m = PATH.matcher(exchange.getRequestURI().getPath());
      if (!m.matches()) {
        reply(exchange, 404, "{}");
        return;
      }
      String method = exchange.getRequestMethod();
      JsonNode body =
          method.equals("DELETE") ? null : json.readTree(exchange.getRequestBody().readAllBytes());
      int status = apply(method, m.group(1), m.group(2), body);
      reply(exchange, status, status == 204 ? null : "{\"cluster\":\"" + m.group(1) + "\"}");
    } catch (IOException | RuntimeException e) {
      reply(exchange, 400, "{\"detail\":\"" + e.getClass().getSimpleName() + "\"}");
    }
  }

  /** Applies one call and publishes the new snapshot; one at a time, so versions stay ordered. */
  private synchronized int apply(String method, String cluster, String id, JsonNode body) {
    int status =
        switch (method) {
          case "PUT" -> registry.put(cluster, id, body) ? 201 : 200;
          case "PATCH" -> registry.patch(cluster, id, body) ? 200 : 404;
          case "DELETE" -> registry.delete(cluster, id) ? 204 : 404;
          default -> 405;
        };
    if (status < 300) {
      publish();
    }
    return status;
  }

  private void publish() {
    cache.setSnapshot(
        GROUP,
        Snapshot.create(
            List.of(),
            registry.assignments(),
            List.of(),
            List.of(),
            List.of(),
            Long.toString(++version)));
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    if (body == null) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
