package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.Responses;
import io.loadeds.xds.TestServer;
import io.loadeds.xds.XdsStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Health, metrics and the config dump against a real server. */
class OperationsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private OpsServer ops;

  @BeforeEach
  void start() throws Exception {
    ops = new OpsServer();
  }

  @AfterEach
  void stop() throws Exception {
    ops.close();
  }

  private XdsStream ads() {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(ops.channel())::streamAggregatedResources);
  }

  @Test
  void healthAndReadinessAnswerOverHttp() throws Exception {
    assertThat(ops.get("/healthz").status()).isEqualTo(200);
    assertThat(ops.get("/readyz").status()).isEqualTo(200);

    ops.server.readiness().closing();

    OpsServer.Answer notReady = ops.get("/readyz");
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.contentType()).isEqualTo("application/problem+json");
    assertThat(MAPPER.readTree(notReady.body()).path("status").asInt()).isEqualTo(503);
    assertThat(ops.get("/healthz").status()).isEqualTo(200);
  }

  @Test
  void grpcHealthServiceAnswersOnTheSamePort() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ops.channel());

    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(
            health
                .check(
                    HealthCheckRequest.newBuilder()
                        .setService("envoy.service.discovery.v3.AggregatedDiscoveryService")
                        .build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThatThrownBy(
            () -> health.check(HealthCheckRequest.newBuilder().setService("nope").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    Iterator<HealthCheckResponse> watch =
        HealthGrpc.newBlockingStub(ops.channel())
            .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
            .watch(HealthCheckRequest.getDefaultInstance());
    assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    ops.server.readiness().closing();

    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
  }

  @Test
  void metricsCountAScriptedScenario() {
    ops.register("c", "e1", 8081, 1, 60);
    ops.register("c", "e2", 8082, 1, 1);
    XdsStream stream = ads();
    DiscoveryResponse first = stream.subscribe(ResourceType.ENDPOINT, "c");
    stream.send(Responses.nack(first, "", "bad endpoints", "c"));
    ops.active("c", "e1", 1); // fills e1: it leaves EDS
    ops.clock.advance(Duration.ofSeconds(2));
    ops.server.registry().expireLeases(); // e2's lease lapsed
    TestServer.await(
        () -> ops.server.xdsCounters().snapshot().of(ResourceType.ENDPOINT).nacks() == 1,
        "the NACK");

    String text = ops.get("/metrics").body();

    assertThat(value(text, "loadeds_endpoints_registered{cluster=\"c\"}")).isEqualTo(1);
    assertThat(value(text, "loadeds_endpoints_admitted{cluster=\"c\"}")).isEqualTo(0);
    assertThat(value(text, "loadeds_admission_changes_total{cluster=\"c\",to=\"full\"}"))
        .isEqualTo(1);
    assertThat(value(text, "loadeds_lease_expiries_total{cluster=\"c\"}")).isEqualTo(1);
    assertThat(value(text, "loadeds_xds_nacks_total{type=\"endpoint\"}")).isEqualTo(1);
    assertThat(value(text, "loadeds_xds_streams{mode=\"sotw-ads\"}")).isEqualTo(1);
    assertThat(value(text, "loadeds_xds_responses_total{type=\"endpoint\"}")).isGreaterThan(0);
    assertThat(value(text, "loadeds_push_latency_seconds_count")).isGreaterThan(0);
    assertThat(
            value(
                text,
                "loadeds_rest_requests_total{method=\"PUT\","
                    + "route=\"/v1/clusters/:cluster/endpoints/:id\",status=\"201\"}"))
        .isEqualTo(2);
    assertThat(text)
        .contains("jvm_memory_used_bytes", "process_uptime_seconds", "system_cpu_count");
  }

  @Test
  void aClustersCountersStartAtZeroWithItsFirstEndpoint() {
    ops.register("fresh", "e1", 8081, 4, 60);

    String text = ops.get("/metrics").body();

    assertThat(value(text, "loadeds_admission_changes_total{cluster=\"fresh\",to=\"admitted\"}"))
        .isEqualTo(0);
    assertThat(value(text, "loadeds_admission_changes_total{cluster=\"fresh\",to=\"full\"}"))
        .isEqualTo(0);
    assertThat(value(text, "loadeds_lease_expiries_total{cluster=\"fresh\"}")).isEqualTo(0);
  }

  @Test
  void madeUpMethodsAreCountedUnderOneSeries() {
    for (String method : List.of("BREW", "WHEN", "BREW")) {
      ops.send(method, "/v1/clusters/c/endpoints/e1", null);
    }

    String text = ops.get("/metrics").body();

    assertThat(text).doesNotContain("method=\"BREW\"", "method=\"WHEN\"");
    assertThat(
            text.lines()
                .filter(l -> l.startsWith("loadeds_rest_requests_total{method=\"OTHER\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum())
        .isEqualTo(3);
  }

  @Test
  void theMetersOfAClusterThatIsGoneAreDroppedAndComeBackWithIt() {
    ops.register("gone", "e1", 8081, 1, 60);
    ops.active("gone", "e1", 1);
    ops.register("stays", "e1", 8082, 1, 60);
    assertThat(ops.get("/metrics").body()).contains("cluster=\"gone\"");

    assertThat(ops.send("DELETE", "/v1/clusters/gone/endpoints/e1", null).status()).isEqualTo(204);
    String text = ops.get("/metrics").body();

    assertThat(text).doesNotContain("cluster=\"gone\"");
    assertThat(value(text, "loadeds_endpoints_registered{cluster=\"stays\"}")).isEqualTo(1);

    ops.register("gone", "e1", 8081, 1, 60);
    ops.active("gone", "e1", 1); // full again: counted by the cluster's new counter, from zero
    text = ops.get("/metrics").body();
    assertThat(value(text, "loadeds_endpoints_registered{cluster=\"gone\"}")).isEqualTo(1);
    assertThat(value(text, "loadeds_admission_changes_total{cluster=\"gone\",to=\"full\"}"))
        .isEqualTo(1);
  }

  @Test
  void debugDumpShowsWhatAStreamSubscribedAndAcked() throws Exception {
    ops.register("c", "e1", 8081, 4, 60);
    XdsStream stream = ads();
    DiscoveryResponse r = stream.subscribe(ResourceType.ENDPOINT, "c");
    stream.ack(r, "c");
    String eds = ResourceType.ENDPOINT.typeUrl();
    TestServer.await(
        () -> r.getVersionInfo().equals(dumpedType(eds).path("lastAckedVersion").asText()),
        "the ACK in the dump");

    JsonNode s = dump().path("streams").get(0);
    assertThat(s.path("nodeId").asText()).isEqualTo(XdsStream.NODE);
    assertThat(s.path("mode").asText()).isEqualTo("sotw-ads");
    JsonNode t = s.path("types").path(eds);
    assertThat(t.path("subscribed").toString()).isEqualTo("[\"c\"]");
    assertThat(t.path("lastSentVersion").asText()).isEqualTo(r.getVersionInfo());
    assertThat(t.path("lastSentNonce").asText()).isEqualTo(r.getNonce());
    assertThat(t.path("nackCount").asLong()).isZero();

    stream.cancel();
    TestServer.await(() -> dump().path("streams").isEmpty(), "the stream to leave the dump");
  }

  private JsonNode dump() {
    try {
      return MAPPER.readTree(ops.get("/v1/debug/xds").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode dumpedType(String typeUrl) {
    JsonNode streams = dump().path("streams");
    return streams.isEmpty() ? MAPPER.missingNode() : streams.get(0).path("types").path(typeUrl);
  }

  /** The value of the sample named exactly {@code series} (name and labels) in Prometheus text. */
  private static double value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
    assertThat(m.find()).as("%s in%n%s", series, text).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
