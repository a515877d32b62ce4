package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.loadeds.snapshot.ResourceType;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, slow or stuck xDS clients: a client that reads its first response, ACKs it and then
 * never reads again (grpc-java asks for one message only, so its transport stops granting HTTP/2
 * window) neither delays a normal stream on the same event loop nor makes the server queue
 * responses for it: while the assignment changes 500 times it is sent at most one un-ACKed
 * response, because the state-of-the-world stream keeps only the newest state while a response
 * awaits its ACK.
 */
class StuckClientTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;
  private static final int ENDPOINTS = 20;
  private static final int CHANGES = 500;
  private static final Duration PROMPTLY = Duration.ofSeconds(2);

  private TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start(); // one event loop: both streams share it
    for (int i = 0; i < ENDPOINTS; i++) {
      server.register("a", "e" + i, 9000 + i);
    }
    server.awaitEndpoints("a", ENDPOINTS);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void aClientThatNeverReadsDelaysNoOneAndIsSentAtMostOneUnackedResponse() throws Exception {
    StuckClient stuck = new StuckClient();
    DiscoveryResponse firstOfStuck = stuck.first.get(10, TimeUnit.SECONDS);
    stuck.call.sendMessage(Responses.ack(firstOfStuck, "a"));

    XdsStream normal =
        new XdsStream(
            AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
    Normal reader = new Normal(normal);
    reader.take(normal.subscribe(EDS, "a"));

    Set<Integer> expected = new HashSet<>();
    for (int i = 0; i < ENDPOINTS; i++) {
      expected.add(9000 + i);
    }
    for (int change = 1; change <= CHANGES; change++) {
      int endpoint = change % ENDPOINTS;
      expected.remove(portOf(change - ENDPOINTS, endpoint));
      server.register("a", "e" + endpoint, portOf(change, endpoint));
      expected.add(portOf(change, endpoint));
      if (change % 100 == 0) {
        // (a) every change's final state reaches the normal stream promptly
        reader.awaitPorts(expected, PROMPTLY);
      }
    }
    reader.awaitPorts(expected, PROMPTLY);

    // (b) what the server sent the stuck stream: its first response, ACKed, and at most one more.
    // The normal stream's last ACK may still be on its way: wait until the server has counted it.
    long normalAcks = reader.received;
    TestServer.await(
        () -> server.xdsCounters().snapshot().of(EDS).acks() == normalAcks + 1,
        "the ACKs of both streams to be counted");
    XdsCounters.TypeCounts eds = server.xdsCounters().snapshot().of(EDS);
    long sentToStuck = eds.responses() - reader.received;
    long ackedByStuck = eds.acks() - reader.received;
    assertThat(ackedByStuck).isEqualTo(1);
    assertThat(sentToStuck).as("responses sent to the stuck stream").isBetween(1L, 2L);
    assertThat(sentToStuck - ackedByStuck)
        .as("un-ACKed responses of the stuck stream")
        .isLessThanOrEqualTo(1);
    assertThat(stuck.received).as("what the stuck client read").isEqualTo(1);
    assertThat(stuck.closed).as("the stuck stream is still open").isNotDone();
  }

  /** The port of {@code endpoint} after {@code change} (its initial port before any). */
  private static int portOf(int change, int endpoint) {
    return change <= 0 ? 9000 + endpoint : 10_000 + change;
  }

  /** The normal stream: ACKs everything and remembers the newest assignment. */
  private static final class Normal {
    private final XdsStream stream;
    private long received;
    private List<Integer> ports = List.of();

    Normal(XdsStream stream) {
      this.stream = stream;
    }

    void take(DiscoveryResponse r) {
      received++;
      ClusterLoadAssignment cla = Responses.assignment(r);
      ports = Responses.ports(cla);
      stream.ack(r, "a");
    }

    void awaitPorts(Set<Integer> expected, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      while (!Set.copyOf(ports).equals(expected) || ports.size() != expected.size()) {
        assertThat(System.nanoTime())
            .as("the normal stream to reach %s (it has %s)", expected, ports)
            .isLessThan(deadline);
        take(stream.next());
      }
    }
  }

  /** A raw grpc-java call that asks for one message and never for another. */
  private final class StuckClient {
    final ClientCall<DiscoveryRequest, DiscoveryResponse> call;
    final CompletableFuture<DiscoveryResponse> first = new CompletableFuture<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    volatile int received;

    StuckClient() {
      call =
          server
              .channel()
              .newCall(
                  AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod(),
                  CallOptions.DEFAULT);
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onMessage(DiscoveryResponse message) {
              received++;
              first.complete(message);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              closed.complete(status);
            }
          },
          new Metadata());
      call.request(1); // once: no more messages are delivered, nor window granted for them
      call.sendMessage(Responses.first(XdsStream.NODE, EDS, "a"));
    }
  }
}
