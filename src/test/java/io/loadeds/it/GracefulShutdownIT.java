package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.XdsStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, graceful shutdown, across real processes: SIGTERM ends an open grpc-java ADS stream
 * promptly with UNAVAILABLE (not after the grace), the channel shuts down without hanging, and the
 * process exits within {@code http.shutdownGrace} even while a REST call that never finishes by
 * itself (the {@code /v1/events} stream) is in flight.
 */
class GracefulShutdownIT {
  private static final Duration GRACE = Duration.ofSeconds(4);

  private JavaProcess server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void sigtermEndsXdsStreamsAtOnceAndTheProcessWithinTheGrace() throws Exception {
    server =
        JavaProcess.start(
            "server",
            "loadeds.serverJar",
            "--host=127.0.0.1",
            "--port=0",
            "--warm-up=0",
            "--shutdown-grace=" + GRACE.toSeconds() + "s");
    int port = Integer.parseInt(server.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", 30_000));
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/clusters/shop/endpoints/s1"))
                .header("content-type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"address\":\"127.0.0.1\",\"port\":9}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(201);

    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    XdsStream ads =
        new XdsStream(AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
    assertThat(ads.subscribe(ResourceType.ENDPOINT, "shop").getResourcesCount()).isEqualTo(1);
    // An in-flight REST call that would never end by itself: the server-sent event feed.
    HttpResponse<Stream<String>> events =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events")).build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(events.statusCode()).isEqualTo(200);

    long start = System.nanoTime();
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return server.terminate(GRACE.toMillis() + 10_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            });

    Status status = ads.awaitStatus();
    Duration streamEnded = Duration.ofNanos(System.nanoTime() - start);
    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("shutting down");
    assertThat(streamEnded)
        .as("the xDS stream ends promptly, not after the grace")
        .isLessThan(GRACE);

    channel.shutdown();
    assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).as("the channel terminates").isTrue();

    exit.get(GRACE.toMillis() + 15_000, TimeUnit.MILLISECONDS);
    Duration exited = Duration.ofNanos(System.nanoTime() - start);
    assertThat(exited)
        .as("the process exits within the grace (plus closing Vert.x and the JVM)")
        .isLessThan(GRACE.plusSeconds(3));
    assertThat(server.output()).doesNotContain("unclean shutdown");
  }
}
