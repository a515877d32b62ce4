package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.Responses;
import io.loadeds.xds.XdsStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, server restart, across real processes: a server and a demo backend ({@code --ttl=3}, so
 * it heartbeats every second); the server is killed (SIGKILL) and a new one started on the same
 * port. The backend's next PATCH gets 404 and it registers again (PUT) within about one heartbeat;
 * a raw ADS stream that reconnects with its old version is held during the warm-up instead of being
 * told the cluster is empty, and converges to the backend's assignment; a version seen before the
 * restart comes back only with the same content.
 */
class ServerRestartIT {
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);

  private final List<JavaProcess> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stopAll() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    for (JavaProcess p : processes) {
      p.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private JavaProcess server(int port) throws Exception {
    JavaProcess p =
        JavaProcess.start(
            "server",
            "loadeds.serverJar",
            "--host=127.0.0.1",
            "--port=" + port,
            "--reaper-interval=200ms",
            "--warm-up=5s");
    processes.add(p);
    p.awaitLoopbackPort(30_000);
    return p;
  }

  private XdsStream ads(int port) {
    ManagedChannel ch =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    channels.add(ch);
    return new XdsStream(AggregatedDiscoveryServiceGrpc.newStub(ch)::streamAggregatedResources);
  }

  private boolean registered(int port, String cluster, String id) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/v1/clusters/"
                            + cluster
                            + "/endpoints/"
                            + id))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 && r.body().contains("\"admitted\":true");
  }

  @Test
  void aRestartedServerIsRefilledWithinAHeartbeatAndClientsConverge() throws Exception {
    int port = freePort();
    JavaProcess first = server(port);
    JavaProcess backend =
        JavaProcess.start(
            "b1",
            "loadeds.backendJar",
            "--eds-server=127.0.0.1:" + port,
            "--my-ip=127.0.0.1",
            "--port=0",
            "--capacity=3",
            "--ttl=3",
            "--id=b1");
    processes.add(backend);
    backend.awaitLine("listening on", 30_000);
    awaitTrue(() -> registered(port, "demo", "b1"), Duration.ofSeconds(20), "b1 registered");

    XdsStream before = ads(port);
    DiscoveryResponse old = before.subscribe(ResourceType.ENDPOINT, "demo");
    ClusterLoadAssignment oldCla = Responses.assignment(old);
    assertThat(Responses.ports(oldCla)).hasSize(1);
    before.ack(old, "demo");

    first.kill(); // SIGKILL: no goodbye, the stream breaks
    assertThat(before.awaitStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    server(port);
    long restarted = System.nanoTime();
    // The client comes back at once, with what it held, while the server knows nothing yet.
    XdsStream after = ads(port);
    after.send(
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId(XdsStream.NODE))
            .setTypeUrl(old.getTypeUrl())
            .setVersionInfo(old.getVersionInfo())
            .setResponseNonce(old.getNonce())
            .addResourceNames("demo")
            .build());

    awaitTrue(() -> registered(port, "demo", "b1"), Duration.ofSeconds(10), "b1 registered again");
    Duration refill = Duration.ofNanos(System.nanoTime() - restarted);
    assertThat(refill)
        .as("the backend re-registers (PATCH 404 -> PUT) within about one heartbeat")
        .isLessThan(HEARTBEAT.multipliedBy(2).plusMillis(500));
    assertThat(backend.output()).contains("does not know this backend");

    // Held during the warm-up, then answered with the real assignment, never an empty one.
    DiscoveryResponse converged = after.next();
    ClusterLoadAssignment cla = Responses.assignment(converged);
    assertThat(Responses.ports(cla)).isEqualTo(Responses.ports(oldCla));
    // Versions are content hashes: the old version again only for the same content.
    if (converged.getVersionInfo().equals(old.getVersionInfo())) {
      assertThat(converged.getResourcesList()).isEqualTo(old.getResourcesList());
    } else {
      assertThat(converged.getResourcesList()).isNotEqualTo(old.getResourcesList());
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void awaitTrue(Check check, Duration within, String what) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }
}
