package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.config.LimitsConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code limits.maxStreamsPerConnection} and {@code limits.maxStreams}: the stream above a limit
 * ends at once with RESOURCE_EXHAUSTED naming it, the ones below keep working, and a stream that
 * ends (cancelled, half-closed) gives its place back.
 */
class StreamLimitsTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private TestServer server;

  @BeforeEach
  void start() {
    server =
        TestServer.start(
            1,
            XdsConfig.defaults().withWeightCoalesceWindow(Duration.ZERO).withWarmUp(Duration.ZERO),
            LimitsConfig.defaults().withMaxStreamsPerConnection(2).withMaxStreams(3));
    server.register("a", "a1", 8080);
    server.awaitPublished("a");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private static XdsStream ads(ManagedChannel channel) {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
  }

  /** Opens a stream on {@code channel} and asserts that it is served. */
  private static XdsStream working(ManagedChannel channel) {
    XdsStream s = ads(channel);
    DiscoveryResponse r = s.subscribe(EDS, "a");
    assertThat(Responses.ports(Responses.assignment(r))).containsExactly(8080);
    s.ack(r, "a");
    return s;
  }

  private static void assertRefused(ManagedChannel channel, String limit) {
    XdsStream s = ads(channel);
    s.send(Responses.first(XdsStream.NODE, EDS, "a"));
    Status status = s.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains(limit);
  }

  private void awaitOpen(long n) {
    TestServer.await(
        () -> server.xdsCounters().snapshot().openStreamsTotal() == n, n + " open streams");
  }

  @Test
  void aRequestNamingMoreResourcesThanTheConfiguredLimitEndsOnlyItsStream() throws Exception {
    try (TestServer small =
        TestServer.start(
            1,
            XdsConfig.defaults().withWarmUp(Duration.ZERO).withMaxNamesPerSubscription(2),
            LimitsConfig.defaults())) {
      ManagedChannel channel = small.channel();
      XdsStream greedy = ads(channel);
      greedy.send(Responses.first(XdsStream.NODE, EDS, "a", "b", "c"));

      Status status = greedy.awaitStatus();
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains("at most 2", "xds.maxNamesPerSubscription");
      assertThat(ads(channel).subscribe(EDS, "a", "b").getTypeUrl()).isEqualTo(EDS.typeUrl());
    }
  }

  @Test
  void theStreamAboveTheLimitPerConnectionIsRefusedAndAClosedOneGivesItsPlaceBack() {
    ManagedChannel one = server.channel();
    XdsStream first = working(one);
    working(one);

    assertRefused(one, "limits.maxStreamsPerConnection 2");
    working(server.channel()); // another connection still gets a stream

    first.cancel();
    awaitOpen(2);
    working(one);
  }

  @Test
  void theStreamAboveTheTotalLimitIsRefusedAndAClosedOneGivesItsPlaceBack() {
    XdsStream first = working(server.channel());
    XdsStream second = working(server.channel());
    working(server.channel());

    assertRefused(server.channel(), "limits.maxStreams 3");

    first.complete();
    assertThat(first.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    second.cancel();
    awaitOpen(1);
    working(server.channel());
    working(server.channel());
    assertRefused(server.channel(), "limits.maxStreams 3");
  }

  /**
   * The port's HTTP/2 settings must not stop streams before the limit does. Vert.x announces 100
   * concurrent streams per connection unless told otherwise: the 101st stream then waited in the
   * client's queue for ever, with no status, and a limit above 100 was no limit.
   */
  @Test
  void aLimitAboveOneHundredStreamsPerConnectionIsTheOneThatRefuses() throws Exception {
    try (TestServer wide =
        TestServer.start(
            1,
            XdsConfig.defaults().withWarmUp(Duration.ZERO),
            LimitsConfig.defaults().withMaxStreamsPerConnection(150))) {
      wide.register("a", "a1", 8080);
      wide.awaitPublished("a");
      ManagedChannel one = wide.channel();
      List<XdsStream> open = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        open.add(working(one));
      }
      assertRefused(one, "limits.maxStreamsPerConnection 150");
      assertThat(open).hasSize(150); // all open while the next is refused
    }
  }

  /** A refused stream holds no place: refusals do not leak counts. */
  @Test
  void refusedStreamsHoldNoPlace() {
    ManagedChannel one = server.channel();
    working(one);
    working(one);
    for (int i = 0; i < 5; i++) {
      assertRefused(one, "limits.maxStreamsPerConnection 2");
    }
    working(server.channel());
    assertRefused(server.channel(), "limits.maxStreams 3");
  }
}
