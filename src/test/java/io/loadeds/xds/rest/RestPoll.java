package io.loadeds.xds.rest;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

/** Builds Envoy's REST polling request ({@code POST /v3/discovery:<type>}). Stateless. */
public final class RestPoll {
  private RestPoll() {}

  /** A poll of {@code type} ("endpoints", "clusters", ...) on the server at {@code port}. */
  public static HttpRequest request(int port, String type, HttpRequest.BodyPublisher body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v3/discovery:" + type))
        .header("content-type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .POST(body)
        .build();
  }
}
