package io.loadeds.bench.jmh;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.loadeds.bench.EnvoyNode;
import io.loadeds.xds.RequestParser;
import io.vertx.core.buffer.Buffer;
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
 * The cost of decoding one EDS ACK, in full and without its node, with a node as small as the
 * bench's simulated Envoys send and one shaped like a real Envoy's (build metadata, client features
 * and {@code extensions} entries with a type URL each; an Envoy 1.3x lists a few hundred). Every
 * ACK of a stream after its first request goes through {@code parseWithoutNode}. Run with {@code
 * mvn -Dbench -Dbench.jmh.include=AckDecode -DskipTests package exec:exec@jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AckDecodeBenchmark {
  @Param({"0", "300"})
  public int extensions;

  private final RequestParser<DiscoveryRequest> parser =
      new RequestParser<>(DiscoveryRequest.getDefaultInstance());
  private Buffer ack;

  @Setup
  public void setUp() {
    DiscoveryRequest request =
        DiscoveryRequest.newBuilder()
            .setNode(EnvoyNode.of("envoy-edge-7f9c", extensions))
            .setVersionInfo("8c0d3a1e52f4b7a9")
            .setResponseNonce("8c0d3a1e52f4b7a9")
            .setTypeUrl("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment")
            .addResourceNames("bench-3")
            .build();
    ack = Buffer.buffer(request.toByteArray());
    System.out.printf("%n# an ACK of %d bytes (%d extensions)%n", ack.length(), extensions);
  }

  @Benchmark
  public DiscoveryRequest whole() throws Exception {
    return parser.parse(ack);
  }

  @Benchmark
  public DiscoveryRequest withoutNode() throws Exception {
    return parser.parseWithoutNode(ack);
  }
}
