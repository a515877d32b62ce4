package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.XdsStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, graceful shutdown, across real processes: SIGTERM ends an open grpc-java ADS stream and
 * the {@code /v1/events} feed promptly (not after the grace), the channel shuts down without
 * hanging, a REST call in flight whose body arrives after the SIGTERM is still answered, and the
 * process exits within {@code http.shutdownGrace} even while a REST call whose body never finishes
 * holds the grace open.
 */
class GracefulShutdownIT {
  private static final Duration GRACE = Duration.ofSeconds(4);

  private JavaProcess server;
  private ManagedChannel channel;
  private RawCall held;
  private RawCall slow;

  @AfterEach
  void stop() throws Exception {
    for (RawCall call : new RawCall[] {held, slow}) {
      if (call != null) {
        call.close();
      }
    }
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
    int port = server.awaitLoopbackPort(30_000);
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
    HttpResponse<Stream<String>> events =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events")).build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(events.statusCode()).isEqualTo(200);
    CompletableFuture<Long> eventsEnded =
        CompletableFuture.supplyAsync(() -> events.body().count())
            .thenApply(n -> System.nanoTime());
    // In-flight REST calls: one whose body never finishes holds the grace open; one whose body
    // is finished after the SIGTERM must still be answered.
    held = put(port, "s2");
    held.send("{\"address\":");
    slow = put(port, "s3");
    slow.send("{\"address\":\"127.0.0.1\",");

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
    Duration feedEnded =
        Duration.ofNanos(eventsEnded.get(GRACE.toMillis(), TimeUnit.MILLISECONDS) - start);
    assertThat(feedEnded)
        .as("the /v1/events feed ends promptly, not after the grace")
        .isLessThan(GRACE);

    slow.send("\"port\":9}");
    assertThat(slow.statusLine())
        .as("a call in flight at SIGTERM is answered within the grace")
        .startsWith("HTTP/1.1 201");

    exit.get(GRACE.toMillis() + 15_000, TimeUnit.MILLISECONDS);
    Duration exited = Duration.ofNanos(System.nanoTime() - start);
    assertThat(exited)
        .as("the call that never finishes is given the grace")
        .isGreaterThan(GRACE.minusSeconds(1));
    assertThat(exited)
        .as("the process exits within the grace (plus closing Vert.x and the JVM)")
        .isLessThan(GRACE.plusSeconds(3));
    String output = String.join("\n", server.awaitExitAndOutput(5_000).lines());
    assertThat(output).doesNotContain("unclean shutdown");
    assertThat(output)
        .as("the call cut at the end of the grace is not reported as a server error")
        .doesNotContain("SEVERE", "Unhandled exception");
    // The JDK's own shutdown hook used to switch logging off under the server's: these were lost.
    assertThat(output)
        .as("the log tells the operator what the shutdown did")
        .containsSubsequence(
            "LoadEDS shutting down: 1 xDS stream(s) told to reconnect", "LoadEDS stopped");
  }

  /**
   * Starts {@code PUT /v1/clusters/shop/endpoints/<id>} on its own connection, announcing a body of
   * {@link #BODY_BYTES} bytes that {@link RawCall#send} then writes piece by piece (padded with
   * spaces, which JSON ignores, once the object is closed).
   */
  private static RawCall put(int port, String id) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout((int) GRACE.plusSeconds(5).toMillis());
    RawCall call = new RawCall(socket);
    call.write(
        "PUT /v1/clusters/shop/endpoints/"
            + id
            + " HTTP/1.1\r\nhost: 127.0.0.1:"
            + port
            + "\r\ncontent-type: application/json\r\ncontent-length: "
            + BODY_BYTES
            + "\r\n\r\n");
    return call;
  }

  private static final int BODY_BYTES = 64;

  /** One HTTP/1.1 request written by hand, so its body can be held back. */
  private static final class RawCall implements AutoCloseable {
    private final Socket socket;
    private int bodySent;

    RawCall(Socket socket) {
      this.socket = socket;
    }

    void write(String text) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    /** Writes part of the body; a part ending in '}' completes it with padding. */
    void send(String part) throws IOException {
      bodySent += part.length();
      String pad = part.endsWith("}") ? " ".repeat(BODY_BYTES - bodySent) : "";
      bodySent += pad.length();
      write(part + pad);
    }

    /** The first line of the answer. */
    String statusLine() throws IOException {
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
