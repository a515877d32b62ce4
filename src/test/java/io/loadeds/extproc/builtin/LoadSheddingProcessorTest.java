package io.loadeds.extproc.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.loadeds.config.ExtProcConfig;
import io.loadeds.config.RegistryConfig;
import io.loadeds.extproc.ProcessorEnvironment;
import io.loadeds.extproc.testing.Outcome;
import io.loadeds.extproc.testing.SimulatedEnvoy;
import io.loadeds.extproc.testing.SimulatedExchange;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code load-shedding} against a real registry, through the SDK's simulated Envoy. */
class LoadSheddingProcessorTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final Registry registry = new Registry(RegistryConfig.defaults(), clock);
  private final SimulatedEnvoy envoy =
      SimulatedEnvoy.of(
          LoadSheddingProcessor.FACTORY.create(
              new ProcessorEnvironment(
                  registry::cluster,
                  ExtProcConfig.defaults().withRetryAfter(Duration.ofMillis(2500)),
                  clock)));

  private void register(String id, int port, Integer capacity, int active) {
    registry.register(
        new EndpointKey("shop", id), Registration.of("10.0.0.1", port).withLoad(capacity, active));
  }

  private static Map<String, String> to(String cluster) {
    return Map.of(":path", "/cart", "x-loadeds-cluster", cluster);
  }

  @Test
  void aClusterWithoutAdmittedEndpointIsAnsweredAt503WithRetryAfterBeforeAnyUpstream() {
    register("a", 8080, 2, 2); // full
    register("b", 8081, 1, 1); // full

    Outcome r = envoy.exchange().requestHeaders(to("shop"));

    assertThat(r.immediateStatus()).isEqualTo(503);
    assertThat(r.immediateHeaders())
        .containsEntry("retry-after", "3")
        .containsEntry("content-type", "application/problem+json");
    assertThat(r.immediateBody()).contains("\"status\":503").contains("cluster 'shop'");
  }

  @Test
  void aGrpcRequestIsShedWithUnavailable() {
    register("a", 8080, 1, 1);

    Outcome r =
        envoy
            .exchange()
            .requestHeaders(
                Map.of(
                    ":path",
                    "/svc/Call",
                    "content-type",
                    "application/grpc",
                    "x-loadeds-cluster",
                    "shop"));

    assertThat(r.immediateStatus()).isEqualTo(503);
    assertThat(r.immediate().orElseThrow().getGrpcStatus().getStatus()).isEqualTo(14);
    assertThat(r.immediateBody()).contains("no endpoint with spare capacity");
  }

  @Test
  void anAdmittedClusterPassesAndTheResponseNamesItsSpareCapacity() {
    register("a", 8080, 5, 2);
    register("b", 8081, 4, 4); // full: not admitted, adds nothing
    register("c", 8082, 3, 0);
    SimulatedExchange x = envoy.exchange();

    Outcome request = x.requestHeaders(to("shop"));
    Outcome response = x.responseHeaders(Map.of(":status", "200"));

    assertThat(request.immediate()).isEmpty();
    assertThat(request.headersSet()).isEmpty();
    assertThat(response.headersSet()).containsEntry(LoadSheddingProcessor.SPARE_HEADER, "6");
  }

  @Test
  void theDecisionFollowsTheRegistryAsLoadReportsArrive() {
    register("a", 8080, 1, 0);
    assertThat(envoy.exchange().requestHeaders(to("shop")).immediate()).isEmpty();

    registry.report(new EndpointKey("shop", "a"), LoadReport.active(1));
    assertThat(envoy.exchange().requestHeaders(to("shop")).immediateStatus()).isEqualTo(503);

    registry.report(new EndpointKey("shop", "a"), LoadReport.active(0));
    assertThat(envoy.exchange().requestHeaders(to("shop")).immediate()).isEmpty();
  }

  @Test
  void anEndpointWithoutCapacityMakesTheSpareUnlimited() {
    register("a", 8080, null, 0);
    SimulatedExchange x = envoy.exchange();
    x.requestHeaders(to("shop"));

    assertThat(x.responseHeaders(Map.of()).headersSet())
        .containsEntry(LoadSheddingProcessor.SPARE_HEADER, "unlimited");
  }

  @Test
  void theClusterMayComeFromTheRoutedClusterAttributeOrTheStreamsMetadata() {
    register("a", 8080, 1, 1);

    Outcome byAttribute =
        envoy.exchange().attribute("xds.cluster_name", "shop").requestHeaders(Map.of(":path", "/"));
    Outcome byRoute =
        envoy.exchange(Map.of("x-loadeds-cluster", "shop")).requestHeaders(Map.of(":path", "/"));

    assertThat(byAttribute.immediateStatus()).isEqualTo(503);
    assertThat(byRoute.immediateStatus()).isEqualTo(503);
  }

  @Test
  void theClusterMayComeFromTheRoutesMetadataWhicheverFieldNamesEnvoyExportsItWith() {
    register("a", 8080, 1, 1);

    for (String field : List.of("filter_metadata", "filterMetadata")) {
      Value routeMetadata = struct(field, struct("io.loadeds", struct("cluster", text("shop"))));
      Outcome r =
          envoy
              .exchange()
              .attribute("xds.route_metadata", routeMetadata)
              .attribute("xds.cluster_name", "some-envoy-cluster")
              .requestHeaders(Map.of(":path", "/"));

      assertThat(r.immediateStatus()).as(field).isEqualTo(503);
    }
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value struct(String key, Value value) {
    return Value.newBuilder().setStructValue(Struct.newBuilder().putFields(key, value)).build();
  }

  @Test
  void aRequestNamingNoClusterOrAnUnknownOnePassesUnchanged() {
    register("a", 8080, 1, 1);

    SimulatedExchange none = envoy.exchange();
    SimulatedExchange unknown = envoy.exchange();

    assertThat(none.requestHeaders(Map.of(":path", "/")).immediate()).isEmpty();
    assertThat(none.responseHeaders(Map.of()).headersSet()).isEmpty();
    assertThat(unknown.requestHeaders(to("nobody")).immediate()).isEmpty();
    assertThat(unknown.responseHeaders(Map.of()).headersSet()).isEmpty();
  }
}
