package io.loadeds.bench.jmh;

import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.loadeds.config.LimitsConfig;
import io.loadeds.config.LoadSource;
import io.loadeds.config.RegistryConfig;
import io.loadeds.lrs.LoadAggregator;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of one LRS report as a gRPC client sends it every interval: one locality per endpoint of
 * a cluster, read against the registry, summed with the other clients' figures and handed to the
 * registry. Half the reports move the in-progress figures (so the registry re-decides and raises
 * events), half repeat them. Run with {@code mvn -Dbench -Dbench.jmh.include=LrsReport -DskipTests
 * package exec:exec@jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LrsReportBenchmark {
  private static final String CLUSTER = "bench";

  @Param({"10", "100", "1000"})
  public int endpoints;

  /** Other clients whose figures are in the sums. */
  @Param({"10"})
  public int clients;

  private LoadAggregator aggregator;
  private LoadStatsRequest busy;
  private LoadStatsRequest idle;
  private long next;

  @Setup
  public void setUp() {
    Registry registry =
        new Registry(
            RegistryConfig.defaults(), LimitsConfig.defaults(), LoadSource.LRS, Clock.systemUTC());
    for (int e = 0; e < endpoints; e++) {
      registry.register(
          new EndpointKey(CLUSTER, "e" + e),
          Registration.of("10.0." + e / 250 + "." + (e % 250 + 1), 8080)
              .withLoad(10, 0)
              .withTtl(Duration.ofHours(1)));
    }
    aggregator = new LoadAggregator(registry, true, Duration.ofSeconds(1), Clock.systemUTC());
    busy = report(2);
    idle = report(1);
    for (int c = 1; c <= clients; c++) {
      aggregator.report(c, "client-" + c, idle);
    }
  }

  private LoadStatsRequest report(long inProgress) {
    ClusterStats.Builder cs = ClusterStats.newBuilder().setClusterName(CLUSTER);
    for (int e = 0; e < endpoints; e++) {
      cs.addUpstreamLocalityStats(
          UpstreamLocalityStats.newBuilder()
              .setLocality(Locality.newBuilder().setSubZone("e" + e))
              .setTotalRequestsInProgress(inProgress)
              .setTotalIssuedRequests(5)
              .setTotalSuccessfulRequests(5));
    }
    return LoadStatsRequest.newBuilder().addClusterStats(cs).build();
  }

  /** One client's report, alternately moving its figures and repeating them. */
  @Benchmark
  public long report() {
    next++;
    aggregator.report(0, "client-0", (next / 2) % 2 == 0 ? busy : idle);
    return aggregator.reports();
  }
}
