package io.loadeds.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The REST side of the harness: registrations and toggles over HTTP/1.1 (JDK client). */
final class Rest {
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String base;

  Rest(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** Sends {@code method path body}; completes with the status, failing on anything but 2xx. */
  CompletableFuture<Integer> send(String method, String path, String json) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(json))
            .build();
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(
                    method + " " + path + " -> " + r.statusCode() + " " + r.body());
              }
              return r.statusCode();
            });
  }

  /** Registers every endpoint of {@code clusters} with {@code capacity}, one request at a time. */
  void registerAll(Iterable<ClusterModel> clusters, int capacity) throws IOException {
    for (ClusterModel c : clusters) {
      for (int e = 0; e < c.endpoints(); e++) {
        send("PUT", c.path(e), c.registration(e, capacity)).join();
      }
    }
  }
}
