package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REST and admin calls the multi-process cluster tests make to one replica serving HTTP on
 * {@code 127.0.0.1:http}, and their polling helper. Stateless; thread-safe.
 */
final class ReplicaHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ReplicaHttp() {}

  /**
   * Registers {@code cluster/id} at 127.0.0.1:{@code port} on the replica serving HTTP on {@code
   * http}; returns the status.
   */
  static int put(
      int http, String cluster, String id, int port, Integer capacity, Integer active, int ttl)
      throws Exception {
    String body =
        "{\"address\":\"127.0.0.1\",\"port\":"
            + port
            + (capacity == null ? "" : ",\"capacity\":" + capacity)
            + (active == null ? "" : ",\"active\":" + active)
            + ",\"ttlSeconds\":"
            + ttl
            + "}";
    return send(http, "PUT", endpointPath(cluster, id), body).statusCode();
  }

  static int patch(int http, String cluster, String id, String body) throws Exception {
    return send(http, "PATCH", endpointPath(cluster, id), body).statusCode();
  }

  static int delete(int http, String cluster, String id) throws Exception {
    return send(http, "DELETE", endpointPath(cluster, id), null).statusCode();
  }

  /** The endpoint's state ({@code ADMITTED}, {@code FULL}, {@code EXPIRED}), null when unknown. */
  static String state(int http, String cluster, String id) throws Exception {
    HttpResponse<String> r = send(http, "GET", endpointPath(cluster, id), null);
    return r.statusCode() == 200 ? JSON.readTree(r.body()).path("state").asText() : null;
  }

  /** {@code GET /v1/clusters/{cluster}}, or null when the replica answers 404. */
  static JsonNode cluster(int http, String cluster) throws Exception {
    HttpResponse<String> r = send(http, "GET", "/v1/clusters/" + cluster, null);
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
  }

  /** The cluster's EDS version on this replica, or null when it does not publish the cluster. */
  static String version(int http, String cluster) throws Exception {
    JsonNode c = cluster(http, cluster);
    return c == null ? null : c.path("version").asText(null);
  }

  static boolean ready(int http) throws Exception {
    return send(http, "GET", "/readyz", null).statusCode() == 200;
  }

  /** {@code GET /v1/debug/cluster}. */
  static JsonNode debug(int http) throws Exception {
    return JSON.readTree(send(http, "GET", "/v1/debug/cluster", null).body());
  }

  /** The value of the first Prometheus sample of {@code name} on {@code /metrics}, or NaN. */
  static double metric(int http, String name) throws Exception {
    String text = send(http, "GET", "/metrics", null).body();
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  static HttpResponse<String> send(int http, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + path))
            .timeout(Duration.ofSeconds(10));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String endpointPath(String cluster, String id) {
    return "/v1/clusters/" + cluster + "/endpoints/" + id;
  }

  /** Polls {@code condition} every 50 ms until it holds; an I/O error counts as not yet. */
  static void await(String what, Callable<Boolean> condition, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Boolean ok;
      try {
        ok = condition.call();
      } catch (IOException e) {
        ok = false;
      }
      if (Boolean.TRUE.equals(ok)) {
        return;
      }
      assertThat(System.nanoTime()).as("%s within %s", what, within).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
