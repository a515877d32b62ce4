package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, Envoy's safety net, across real processes: with {@code --endpoint-stale-after} the
 * server jar puts {@code policy.endpoint_stale_after} on the assignments an ADS client receives,
 * both for a known cluster and for the empty placeholder of an unknown one, so an Envoy that loses
 * the server drops endpoints it can no longer trust.
 */
@Timeout(60)
class EndpointStaleAfterIT {
  private JavaProcess server;
  private ManagedChannel channel;
  private EdsWatcher envoy;

  @AfterEach
  void stopAll() throws InterruptedException {
    if (envoy != null) {
      envoy.cancel();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void assignmentsCarryTheConfiguredStaleAfter() throws Exception {
    server =
        JavaProcess.start(
            "server",
            "loadeds.serverJar",
            "--host=127.0.0.1",
            "--port=0",
            "--warm-up=0",
            "--endpoint-stale-after=45s");
    int port = server.awaitLoopbackPort(30_000);
    HttpResponse<String> put =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/clusters/shop/endpoints/s1"))
                    .header("content-type", "application/json")
                    .PUT(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"address\":\"127.0.0.1\",\"port\":9}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(201);
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();

    envoy = EdsWatcher.open(channel, "stale-after-it", List.of("shop", "unknown"));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (envoy.assignment("shop") == null || envoy.assignment("unknown") == null) {
      assertThat(System.nanoTime()).as("both assignments arrive").isLessThan(deadline);
      Thread.sleep(20);
    }

    for (String cluster : List.of("shop", "unknown")) {
      ClusterLoadAssignment cla = envoy.assignment(cluster);
      assertThat(cla.getPolicy().getEndpointStaleAfter().getSeconds()).as(cluster).isEqualTo(45);
    }
    assertThat(envoy.holds("shop").endpoints()).hasSize(1);
    assertThat(envoy.failure()).isNull();
  }
}
