package io.loadeds.xds;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.names;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.delta.DeltaMessages;
import io.loadeds.xds.delta.DeltaXdsStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, server restart: during the warm-up after start, a request for an assignment the server
 * has not heard of gets no answer (not an empty assignment) until the cluster registers, then its
 * real assignment, or until the warm-up ends, then the empty one. Names it knows are answered at
 * once. {@code /readyz} is 503 while it lasts.
 */
class WarmUpTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;
  private static final Duration QUIET = Duration.ofMillis(700);

  private TestServer server;

  private TestServer start(Duration warmUp) {
    server =
        TestServer.start(
            1, XdsConfig.defaults().withWeightCoalesceWindow(Duration.ZERO).withWarmUp(warmUp));
    return server;
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private XdsStream sotw() {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
  }

  private DeltaXdsStream delta() {
    return new DeltaXdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::deltaAggregatedResources);
  }

  private HttpResponse<String> http(String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10));
    if (body != null) {
      b.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sotwHoldsAnUnknownNameUntilItRegistersThenSendsTheRealAssignment() {
    start(Duration.ofMinutes(1));
    XdsStream stream = sotw();
    stream.send(Responses.first(XdsStream.NODE, EDS, "late"));
    stream.assertNothingWithin(QUIET);

    server.register("late", "l1", 8080);

    DiscoveryResponse r = stream.next();
    ClusterLoadAssignment cla = assignment(r);
    assertThat(cla.getClusterName()).isEqualTo("late");
    assertThat(ports(cla)).containsExactly(8080);
  }

  @Test
  void sotwAnswersKnownNamesAtOnceAndAddsTheHeldOneWhenItRegisters() {
    start(Duration.ofMinutes(1));
    server.register("known", "k1", 8081);
    server.awaitPublished("known");
    XdsStream stream = sotw();

    DiscoveryResponse first = stream.subscribe(EDS, "known", "late");
    assertThat(names(first)).containsExactly("known");
    stream.ack(first, "known", "late");
    server.register("late", "l1", 8080);

    // EDS responses carry what the client does not hold yet: "known" is unchanged.
    assertThat(names(stream.next())).containsExactly("late");
  }

  @Test
  void sotwSendsTheEmptyAssignmentWhenTheWarmUpEnds() {
    long started = System.nanoTime();
    Duration warmUp = Duration.ofMillis(1500);
    start(warmUp);
    XdsStream stream = sotw();
    stream.send(Responses.first(XdsStream.NODE, EDS, "nobody"));

    DiscoveryResponse r = stream.next();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(warmUp);
    assertThat(assignment(r).getClusterName()).isEqualTo("nobody");
    assertThat(assignment(r).getEndpointsCount()).isZero();
  }

  @Test
  void deltaHoldsAnUnknownNameUntilItRegisters() {
    start(Duration.ofMinutes(1));
    DeltaXdsStream stream = delta();
    stream.send(DeltaMessages.first(EDS, "late"));
    stream.assertNothingWithin(QUIET);

    server.register("late", "l1", 8080);

    DeltaDiscoveryResponse r = stream.next();
    assertThat(DeltaMessages.names(r)).containsExactly("late");
    assertThat(r.getRemovedResourcesList()).isEmpty();
    ClusterLoadAssignment cla =
        Responses.unpack(r.getResources(0).getResource(), ClusterLoadAssignment.class);
    assertThat(ports(cla)).containsExactly(8080);
  }

  @Test
  void deltaSendsTheEmptyAssignmentWhenTheWarmUpEnds() {
    start(Duration.ofMillis(1500));
    DeltaXdsStream stream = delta();
    stream.send(DeltaMessages.first(EDS, "nobody"));
    stream.assertNothingWithin(QUIET);

    DeltaDiscoveryResponse r = stream.next();
    assertThat(DeltaMessages.names(r)).containsExactly("nobody");
    ClusterLoadAssignment cla =
        Responses.unpack(r.getResources(0).getResource(), ClusterLoadAssignment.class);
    assertThat(cla.getEndpointsCount()).isZero();
  }

  @Test
  void restPollsGet503UntilTheNameIsKnownAndReadyzIs503UntilTheWarmUpEnds() throws Exception {
    start(Duration.ofMillis(2500));
    String poll = "{\"type_url\":\"" + EDS.typeUrl() + "\",\"resource_names\":[\"late\"]}";

    HttpResponse<String> held = http("/v3/discovery:endpoints", poll);
    assertThat(held.statusCode()).isEqualTo(503);
    assertThat(held.headers().firstValue("retry-after")).contains("1");
    HttpResponse<String> readyz = http("/readyz", null);
    assertThat(readyz.statusCode()).isEqualTo(503);
    assertThat(readyz.body()).contains("warming");

    server.register("late", "l1", 8080);
    server.awaitPublished("late");
    assertThat(http("/v3/discovery:endpoints", poll).statusCode()).isEqualTo(200);

    TestServer.await(
        () -> {
          try {
            return http("/readyz", null).statusCode() == 200;
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        },
        "readiness after the warm-up");
  }
}
