package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load demo as users run it, with real processes on loopback: the server jar, three
 * demo-backend processes (capacity 3 each) and the demo client in proxyless mode ({@code
 * xds:///demo}). Needs the jars built by {@code mvn verify} (failsafe runs it after the demos).
 */
class LoadDemoIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<JavaProcess> processes = new ArrayList<>();
  private int port;

  @TempDir Path tmp;

  @AfterEach
  void stopAll() throws InterruptedException {
    for (JavaProcess p : processes) {
      p.close();
    }
  }

  @Test
  void streamsGoOnlyToBackendsWithRoomAndAKilledBackendLeavesWithItsLease() throws Exception {
    JavaProcess server =
        start(
            JavaProcess.start(
                "server",
                "loadeds.serverJar",
                "--host=127.0.0.1",
                "--port=0",
                "--reaper-interval=200ms"));
    port = server.awaitLoopbackPort(30_000);

    Map<String, JavaProcess> backends = new HashMap<>();
    for (String id : List.of("b1", "b2", "b3")) {
      JavaProcess b =
          start(
              JavaProcess.start(
                  id,
                  "loadeds.backendJar",
                  "--eds-server=127.0.0.1:" + port,
                  "--my-ip=127.0.0.1",
                  "--port=0",
                  "--capacity=3",
                  "--ttl=3",
                  "--id=" + id));
      b.awaitLine("listening on", 30_000);
      backends.put(id, b);
    }
    awaitCluster(c -> c.path("counts").path("admitted").asInt() == 3, "3 admitted backends");

    // 10 held streams on 3 x 3 slots: 9 spread evenly, the 10th refused.
    Path first = tmp.resolve("first.json");
    JavaProcess filler =
        start(client("--streams=10", "--hold", "--duration=12s", "--json=" + first));
    awaitCluster(c -> c.path("counts").path("full").asInt() == 3, "all three backends full");

    // A retrying stream started while everything is full is refused, then gets the slot that
    // frees up when the first client's streams end.
    Path second = tmp.resolve("second.json");
    JavaProcess waiter =
        start(
            client(
                "--streams=1",
                "--hold",
                "--retry",
                "--retry-backoff=300ms",
                "--duration=25s",
                "--json=" + second));

    assertThat(filler.awaitExit(60_000)).as(filler.output()).isZero();
    JsonNode fill = JSON.readTree(Files.readString(first));
    assertThat(fill.path("streamsPerBackend").path("b1").asLong()).as(fill.toString()).isEqualTo(3);
    assertThat(fill.path("streamsPerBackend").path("b2").asLong()).as(fill.toString()).isEqualTo(3);
    assertThat(fill.path("streamsPerBackend").path("b3").asLong()).as(fill.toString()).isEqualTo(3);
    assertThat(fill.path("refusals").path("UNAVAILABLE").asLong())
        .as("the 10th stream is refused as UNAVAILABLE: %s", fill)
        .isGreaterThanOrEqualTo(1);

    assertThat(waiter.awaitExit(60_000)).as(waiter.output()).isZero();
    JsonNode retry = JSON.readTree(Files.readString(second));
    assertThat(retry.path("refusalsTotal").asLong()).as(retry.toString()).isGreaterThanOrEqualTo(1);
    assertThat(retry.path("servedStreams").asLong())
        .as("the retried stream is re-admitted once a slot frees: %s", retry)
        .isGreaterThanOrEqualTo(1);

    // SIGKILL: no deregistration; the 3 s lease lapses and b2 leaves EDS by itself.
    backends.get("b2").kill();
    awaitCluster(
        c -> {
          for (JsonNode e : c.path("endpoints")) {
            if (e.path("id").asText().equals("b2")) {
              return e.path("state").asText().equals("EXPIRED");
            }
          }
          return true;
        },
        "b2 expired after its lease");
    String eds = post("/v3/discovery:endpoints", "{\"resource_names\":[\"demo\"]}").body();
    assertThat(eds).contains("\"hostname\": \"b1\"").contains("\"hostname\": \"b3\"");
    assertThat(eds).doesNotContain("\"hostname\": \"b2\"");
  }

  private JavaProcess client(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--xds=demo", "--xds-server=127.0.0.1:" + port));
    all.addAll(List.of(args));
    return JavaProcess.start("client", "loadeds.clientJar", all.toArray(String[]::new));
  }

  private JavaProcess start(JavaProcess p) {
    processes.add(p);
    return p;
  }

  private interface ClusterCheck {
    boolean test(JsonNode cluster);
  }

  private void awaitCluster(ClusterCheck check, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/clusters/demo"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      last = r.body();
      if (r.statusCode() == 200 && check.test(JSON.readTree(last))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for " + what + "; last state: " + last);
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
