package io.loadeds.transport;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.ConfigException;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.TestServer;
import io.loadeds.xds.XdsStream;
import io.vertx.core.transport.Transport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code http.transport}: which transport each value gives, the start failing when a named native
 * one cannot load, and the whole product (REST registrations, ADS pushes) on each transport this
 * machine can load.
 */
class NetworkTransportsTest {
  private static final Transport LOADS = fake("native", true);
  private static final Transport CANNOT_LOAD = fake("native", false);

  @Test
  void autoTakesEpollWhereItLoadsAndNioElsewhere() {
    assertThat(NetworkTransports.select("auto", LOADS, CANNOT_LOAD)).isSameAs(LOADS);
    assertThat(NetworkTransports.select("auto", CANNOT_LOAD, LOADS)).isSameAs(Transport.NIO);
  }

  @Test
  void nioIsNioEvenWhereEpollLoads() {
    assertThat(NetworkTransports.select("nio", LOADS, LOADS)).isSameAs(Transport.NIO);
  }

  @Test
  void aNativeTransportNamedButUnableToLoadFailsWithTheReason() {
    assertThat(NetworkTransports.select("io_uring", CANNOT_LOAD, LOADS)).isSameAs(LOADS);
    assertThatThrownBy(() -> NetworkTransports.select("io_uring", LOADS, CANNOT_LOAD))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.transport is io_uring")
        .hasMessageContaining("no native library here")
        .hasMessageContaining("use auto or nio");
    assertThatThrownBy(() -> NetworkTransports.select("epoll", CANNOT_LOAD, LOADS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.transport is epoll");
  }

  @Test
  void autoRunsOnEpollWhereEpollLoads() throws Exception {
    assumeTrue(Transport.EPOLL.available(), "epoll cannot load here");
    try (TestServer server = TestServer.start(config("auto"))) {
      assertThat(server.transport()).isEqualTo("epoll");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll", "io_uring"})
  void registrationsAndPushesWorkOnEveryTransportThatLoads(String name) throws Exception {
    Transport transport = name.equals("nio") ? Transport.NIO : byName(name);
    assumeTrue(transport.available(), () -> name + " cannot load here");
    try (TestServer server = TestServer.start(config(name))) {
      assertThat(server.transport()).isEqualTo(name);
      XdsStream ads =
          new XdsStream(
              AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
      DiscoveryResponse first = ads.subscribe(ResourceType.ENDPOINT, "t");
      assertThat(ports(assignment(first))).isEmpty();
      ads.ack(first, "t");

      String backend = "{\"address\":\"127.0.0.1\",\"port\":%d,\"capacity\":2}";
      assertThat(rest(server, "PUT", "e1", backend.formatted(9001))).isEqualTo(201);
      DiscoveryResponse one = ads.next();
      assertThat(ports(assignment(one))).containsExactly(9001);
      ads.ack(one, "t");
      assertThat(rest(server, "PUT", "e2", backend.formatted(9002))).isEqualTo(201);
      DiscoveryResponse two = ads.next();
      assertThat(ports(assignment(two))).containsExactlyInAnyOrder(9001, 9002);
      ads.ack(two, "t");

      // Full: the endpoint leaves the assignment at once.
      assertThat(rest(server, "PATCH", "e1", "{\"active\":2}")).isEqualTo(200);
      assertThat(ports(assignment(ads.next()))).containsExactly(9002);
    }
  }

  private static int rest(TestServer server, String method, String id, String body)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/v1/clusters/t/endpoints/" + id))
            .timeout(Duration.ofSeconds(5))
            .header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static ServerConfig config(String transport) {
    return ServerConfig.defaults()
        .withHttp(
            HttpConfig.defaults()
                .withHost("127.0.0.1")
                .withPort(0)
                .withEventLoops(1)
                .withTransport(transport))
        .withXds(
            XdsConfig.defaults().withWeightCoalesceWindow(Duration.ZERO).withWarmUp(Duration.ZERO));
  }

  private static Transport byName(String name) {
    return name.equals("epoll") ? Transport.EPOLL : Transport.IO_URING;
  }

  private static Transport fake(String name, boolean loads) {
    return new Transport() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public boolean available() {
        return loads;
      }

      @Override
      public Throwable unavailabilityCause() {
        return loads ? null : new UnsatisfiedLinkError("no native library here");
      }

      @Override
      public io.vertx.core.spi.transport.Transport implementation() {
        throw new UnsupportedOperationException("a fake");
      }
    };
  }
}
