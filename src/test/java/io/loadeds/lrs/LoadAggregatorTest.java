package io.loadeds.lrs;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamEndpointStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.loadeds.config.LimitsConfig;
import io.loadeds.config.LoadSource;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How LRS reports become per-endpoint load: attribution by locality (the only granularity gRPC
 * clients report), sums over clients, replacement, forgetting, and what is ignored.
 */
class LoadAggregatorTest {
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private Registry registry;
  private LoadAggregator lrs;

  @BeforeEach
  void setUp() {
    registry =
        new Registry(RegistryConfig.defaults(), LimitsConfig.defaults(), LoadSource.LRS, clock);
    registry.register(key("a"), Registration.of("10.0.0.1", 8080).withLoad(3, 0));
    registry.register(key("b"), Registration.of("10.0.0.2", 8080).withLoad(3, 0));
    lrs = new LoadAggregator(registry, true, INTERVAL, clock);
  }

  private static EndpointKey key(String id) {
    return new EndpointKey("svc", id);
  }

  private Endpoint endpoint(String id) {
    return registry.endpoint(key(id)).orElseThrow();
  }

  /** A locality as LoadEDS publishes endpoint {@code id} with LRS on. */
  private static Locality own(String id) {
    return Locality.newBuilder().setSubZone(id).build();
  }

  private static UpstreamLocalityStats locality(Locality l, long inProgress, long issued) {
    return UpstreamLocalityStats.newBuilder()
        .setLocality(l)
        .setTotalRequestsInProgress(inProgress)
        .setTotalIssuedRequests(issued)
        .setTotalSuccessfulRequests(issued)
        .build();
  }

  private static LoadStatsRequest report(String cluster, UpstreamLocalityStats... stats) {
    ClusterStats.Builder cs = ClusterStats.newBuilder().setClusterName(cluster);
    for (UpstreamLocalityStats s : stats) {
      cs.addUpstreamLocalityStats(s);
    }
    return LoadStatsRequest.newBuilder().addClusterStats(cs).build();
  }

  @Test
  void aLocalityOfItsOwnIsThatEndpointsLoad() {
    lrs.report(1, "n1", report("svc", locality(own("a"), 3, 7), locality(own("b"), 1, 2)));

    assertThat(endpoint("a").observed()).isEqualTo(3);
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.FULL);
    assertThat(endpoint("b").observed()).isEqualTo(1);
    assertThat(lrs.unknownEndpoints()).isZero();
  }

  @Test
  void inProgressIsSummedOverClientsAndEachReportReplacesThatClientsLast() {
    lrs.report(1, "n1", report("svc", locality(own("a"), 2, 5)));
    lrs.report(2, "n2", report("svc", locality(own("a"), 1, 4)));
    assertThat(endpoint("a").observed()).isEqualTo(3);
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.FULL);

    lrs.report(1, "n1", report("svc", locality(own("a"), 0, 1)));
    assertThat(endpoint("a").observed()).as("a gauge: n1's latest 0 replaces its 2").isEqualTo(1);
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.ADMITTED);

    LoadAggregator.EndpointSum sum = lrs.sums().get(0);
    assertThat(sum.clients()).isEqualTo(2);
    assertThat(sum.figures().issued()).as("the clients' last intervals, added").isEqualTo(5);
  }

  @Test
  void anEndpointThatComesBackGetsTheFigureAgainWithTheNextReport() {
    lrs.report(1, "n1", report("svc", locality(own("a"), 3, 3)));
    registry.deregister(key("a"));
    lrs.report(1, "n1", report("svc", locality(own("a"), 3, 3)));
    assertThat(lrs.unknownEndpoints()).isEqualTo(1);

    registry.register(key("a"), Registration.of("10.0.0.1", 8080).withLoad(3, 0));
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.ADMITTED);
    lrs.report(1, "n1", report("svc", locality(own("a"), 3, 3)));

    assertThat(endpoint("a").observed()).isEqualTo(3);
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.FULL);
  }

  @Test
  void anEmptyReportMeansNoLoadFromThatClient() {
    lrs.report(1, "n1", report("svc", locality(own("a"), 3, 3)));

    lrs.report(1, "n1", LoadStatsRequest.getDefaultInstance());

    assertThat(endpoint("a").observed()).isNull();
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.ADMITTED);
  }

  @Test
  void aClosedStreamStopsCountingAtOnce() {
    lrs.report(1, "n1", report("svc", locality(own("a"), 3, 3)));
    lrs.report(2, "n2", report("svc", locality(own("a"), 1, 3)));

    lrs.closed(1);

    assertThat(endpoint("a").observed()).isEqualTo(1);
    assertThat(lrs.clients()).extracting(LoadAggregator.ClientView::node).containsExactly("n2");
  }

  @Test
  void aClientSilentForTwoIntervalsStopsCounting() {
    lrs.report(1, "n1", report("svc", locality(own("a"), 3, 3)));
    clock.advance(Duration.ofSeconds(1));
    lrs.report(2, "n2", report("svc", locality(own("a"), 1, 1)));

    clock.advance(Duration.ofSeconds(1));
    assertThat(lrs.sweep()).as("two intervals exactly: not yet").isZero();
    assertThat(endpoint("a").observed()).isEqualTo(4);

    clock.advance(Duration.ofMillis(1));
    assertThat(lrs.sweep()).isEqualTo(1);
    assertThat(endpoint("a").observed()).isEqualTo(1);
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.ADMITTED);
    assertThat(lrs.staleClients()).isEqualTo(1);

    lrs.report(1, "n1", report("svc", locality(own("a"), 2, 2)));
    assertThat(endpoint("a").observed()).as("it counts again when it reports").isEqualTo(3);
  }

  @Test
  void unknownClustersAndLocalitiesAreIgnoredAndCounted() {
    lrs.report(
        1,
        "n1",
        LoadStatsRequest.newBuilder()
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("nobody")
                    .addUpstreamLocalityStats(locality(own("a"), 9, 9)))
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("svc")
                    .addUpstreamLocalityStats(locality(own("zz"), 9, 9))
                    .addUpstreamLocalityStats(locality(Locality.getDefaultInstance(), 9, 9)))
            .build());

    assertThat(lrs.unknownClusters()).isEqualTo(1);
    assertThat(lrs.unknownEndpoints()).isEqualTo(2);
    assertThat(endpoint("a").observed()).isNull();
    assertThat(endpoint("b").observed()).isNull();
    assertThat(registry.cluster("nobody")).isEmpty();
  }

  @Test
  void theEdsServiceNameWinsOverTheClientsOwnClusterName() {
    lrs.report(
        1,
        "envoy",
        LoadStatsRequest.newBuilder()
            .addClusterStats(
                ClusterStats.newBuilder()
                    .setClusterName("envoy-local-name")
                    .setClusterServiceName("svc")
                    .addUpstreamLocalityStats(locality(own("b"), 2, 2)))
            .build());

    assertThat(endpoint("b").observed()).isEqualTo(2);
  }

  @Test
  void aLocalityHoldingSeveralEndpointsCannotBeAttributed() {
    LoadAggregator shared = new LoadAggregator(registry, false, INTERVAL, clock);

    shared.report(1, "n1", report("svc", locality(Locality.getDefaultInstance(), 3, 3)));

    assertThat(shared.unknownEndpoints()).isEqualTo(1);
    assertThat(endpoint("a").observed()).isNull();
  }

  @Test
  void aLocalityHoldingOneEndpointIsAttributedEvenWithoutLocalitiesOfTheirOwn() {
    registry.register(
        key("c"),
        new Registration(
            "10.0.0.3",
            8080,
            3,
            0,
            null,
            null,
            new io.loadeds.registry.Locality("eu", "eu-1", ""),
            Map.of()));
    LoadAggregator shared = new LoadAggregator(registry, false, INTERVAL, clock);

    shared.report(
        1,
        "n1",
        report(
            "svc", locality(Locality.newBuilder().setRegion("eu").setZone("eu-1").build(), 3, 3)));

    assertThat(endpoint("c").observed()).isEqualTo(3);
  }

  @Test
  void perEndpointStatsAreAttributedByAddressAndCarryTheNamedMetrics() {
    UpstreamEndpointStats b =
        UpstreamEndpointStats.newBuilder()
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("10.0.0.2").setPortValue(8080)))
            .setTotalRequestsInProgress(2)
            .setTotalErrorRequests(1)
            .addLoadMetricStats(
                EndpointLoadMetricStats.newBuilder()
                    .setMetricName("cpu")
                    .setTotalMetricValue(1.5)
                    .setNumRequestsFinishedWithMetric(3))
            .build();
    UpstreamEndpointStats stranger =
        b.toBuilder()
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("10.9.9.9").setPortValue(8080)))
            .build();

    lrs.report(
        1,
        "n1",
        report(
            "svc",
            UpstreamLocalityStats.newBuilder()
                .addUpstreamEndpointStats(b)
                .addUpstreamEndpointStats(stranger)
                .build()));

    assertThat(endpoint("b").observed()).isEqualTo(2);
    assertThat(lrs.unknownEndpoints()).isEqualTo(1);
    EndpointFigures f = lrs.sums().get(0).figures();
    assertThat(f.errored()).isEqualTo(1);
    assertThat(f.metrics()).containsEntry("cpu", new EndpointFigures.MetricSum(1.5, 3));
  }

  @Test
  void hugeFiguresFromAClientCannotWrapTheSum() {
    lrs.report(1, "n1", report("svc", locality(own("a"), -1L, -1L))); // uint64 max on the wire
    lrs.report(2, "n2", report("svc", locality(own("a"), Long.MAX_VALUE, 0)));

    assertThat(endpoint("a").observed()).isEqualTo(Integer.MAX_VALUE);
    assertThat(endpoint("a").state()).isEqualTo(EndpointState.FULL);

    lrs.closed(1);
    lrs.closed(2);
    assertThat(endpoint("a").observed()).isNull();
  }
}
