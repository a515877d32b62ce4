package io.loadeds.bench.jmh;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.snapshot.ResourceBuilder;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
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
 * The hot path of one push: a load report flips an endpoint's admission in the registry, the
 * cluster's assignment is rebuilt and versioned, and the SotW response is serialized. Run with
 * {@code mvn -Dbench -DskipTests package exec:exec@jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PushPathBenchmark {
  private static final String CLUSTER = "bench";

  @Param({"10", "100"})
  public int endpoints;

  private Registry registry;
  private int next;

  @Setup
  public void setUp() {
    registry = new Registry(RegistryConfig.defaults(), Clock.systemUTC());
    for (int e = 0; e < endpoints; e++) {
      registry.register(
          new EndpointKey(CLUSTER, "e" + e),
          Registration.of("10.0." + e / 250 + "." + (e % 250 + 1), 8080)
              .withLoad(10, e % 5)
              .withTtl(Duration.ofHours(1)));
    }
  }

  /** Registry change → assignment → versioned resource → response bytes. */
  @Benchmark
  public byte[] changeToBytes() {
    int e = next++ % endpoints;
    // Alternates the endpoint between full (leaves EDS) and 3 of 10 busy (re-admitted).
    int active = (next / endpoints) % 2 == 0 ? 10 : 3;
    registry.report(new EndpointKey(CLUSTER, "e" + e), LoadReport.active(active));
    ClusterView view = registry.cluster(CLUSTER).orElseThrow();
    ClusterLoadAssignment cla = ResourceBuilder.assignment(view);
    VersionedResource resource = VersionedResource.of(ResourceType.ENDPOINT, CLUSTER, cla);
    return DiscoveryResponse.newBuilder()
        .setVersionInfo(resource.version())
        .setTypeUrl(ResourceType.ENDPOINT.typeUrl())
        .setNonce(Integer.toString(next))
        .addResources(resource.body())
        .build()
        .toByteArray();
  }

  /** The same without the registry: only building, versioning and serializing. */
  @Benchmark
  public byte[] buildToBytes() {
    ClusterView view = registry.cluster(CLUSTER).orElseThrow();
    VersionedResource resource =
        VersionedResource.of(ResourceType.ENDPOINT, CLUSTER, ResourceBuilder.assignment(view));
    return DiscoveryResponse.newBuilder()
        .setVersionInfo(resource.version())
        .setTypeUrl(ResourceType.ENDPOINT.typeUrl())
        .setNonce("1")
        .addResources(resource.body())
        .build()
        .toByteArray();
  }
}
