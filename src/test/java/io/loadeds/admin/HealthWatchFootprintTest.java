package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.loadeds.testing.Heap;
import io.loadeds.xds.TestServer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A health Watch stays open as long as its client likes, and its one request names a service the
 * client chooses, up to the server's largest message. An open watch must not keep that request (nor
 * the name in it): a few hundred idle watches with megabyte names would otherwise hold the heap.
 */
class HealthWatchFootprintTest {
  private static final int WATCHES = 20;
  private static final int NAME_CHARS = 1 << 20;

  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void anOpenWatchDoesNotKeepItsRequest() throws Exception {
    server = TestServer.start();
    ManagedChannel channel = server.channel();
    // One request, built before the first reading, so the client's copy is not counted per watch.
    HealthCheckRequest huge =
        HealthCheckRequest.newBuilder().setService("x".repeat(NAME_CHARS)).build();
    List<Iterator<HealthCheckResponse>> watches = new ArrayList<>();
    watches.add(watch(channel, huge)); // one-off state (classes, the connection) first
    long before = Heap.liveBytes();
    for (int i = 0; i < WATCHES; i++) {
      watches.add(watch(channel, huge));
    }
    long after = Heap.liveBytes();

    // Measured: about 11 KB per watch (both ends of the HTTP/2 stream). The request kept by Vert.x
    // was 1 MB more, and the name kept by the watch another 1 MB; a quarter of either leaves room
    // for the heap's own noise (a pool's new chunk) and still fails both.
    assertThat((after - before) / (double) WATCHES)
        .as("bytes per open watch with a %d-character service name", NAME_CHARS)
        .isLessThan(NAME_CHARS / 4.0);
    assertThat(watches).hasSize(WATCHES + 1); // kept open until measured
  }

  /** A watch of {@code request}'s (unknown) service, its first answer read. */
  private static Iterator<HealthCheckResponse> watch(
      ManagedChannel channel, HealthCheckRequest request) {
    Iterator<HealthCheckResponse> watch = HealthGrpc.newBlockingStub(channel).watch(request);
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVICE_UNKNOWN);
    return watch;
  }
}
