package io.loadeds.xds.rest;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.assignments;
import static io.loadeds.xds.Responses.names;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.FakeResourceSource;
import io.loadeds.xds.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Envoy's REST-JSON polling: the gateway as a pure function, then a round trip over HTTP against a
 * real server, parsed with {@link JsonFormat} as Envoy would.
 */
class RestDiscoveryTest {
  static final JsonFormat.TypeRegistry TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(ClusterLoadAssignment.getDescriptor())
          .add(Cluster.getDescriptor())
          .add(Listener.getDescriptor())
          .add(RouteConfiguration.getDescriptor())
          .add(HttpConnectionManager.getDescriptor())
          .add(Router.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .build();

  static DiscoveryResponse parse(String json) {
    DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder();
    try {
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not a DiscoveryResponse: " + json, e);
    }
    return b.build();
  }

  static String json(ResourceType type, String version, String... names) {
    try {
      return JsonFormat.printer()
          .print(
              DiscoveryRequest.newBuilder()
                  .setTypeUrl(type.typeUrl())
                  .setVersionInfo(version)
                  .addAllResourceNames(List.of(names)));
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Nested
  class Gateway {
    private final FakeResourceSource source = new FakeResourceSource().cluster("a", 8080);
    private final RestDiscovery rest = new RestDiscovery(source);

    @Test
    void aPollIsAnsweredWith200AndTheCurrentState() {
      RestDiscovery.Result r = rest.handle("endpoints", json(ResourceType.ENDPOINT, "", "a"));

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.contentType()).isEqualTo("application/json");
      DiscoveryResponse response = parse(r.body());
      assertThat(response.getTypeUrl()).isEqualTo(ResourceType.ENDPOINT.typeUrl());
      assertThat(response.getVersionInfo()).isNotEmpty();
      assertThat(ports(assignment(response))).containsExactly(8080);
    }

    @Test
    void aPollNamingTheCurrentVersionIsAnswered304() {
      String version =
          parse(rest.handle("endpoints", json(ResourceType.ENDPOINT, "", "a")).body())
              .getVersionInfo();

      RestDiscovery.Result r = rest.handle("endpoints", json(ResourceType.ENDPOINT, version, "a"));

      assertThat(r.status()).isEqualTo(304);
      assertThat(r.body()).isEmpty();
    }

    @Test
    void aPollNamingAnyOtherVersionGetsTheCurrentState() {
      RestDiscovery.Result r =
          rest.handle("endpoints", json(ResourceType.ENDPOINT, "old-version", "a"));

      assertThat(r.status()).isEqualTo(200);
      assertThat(parse(r.body()).getVersionInfo()).isNotEqualTo("old-version");
    }

    @Test
    void anUnknownClusterAppearsWithoutEndpoints() {
      DiscoveryResponse r =
          parse(rest.handle("endpoints", json(ResourceType.ENDPOINT, "", "a", "nobody")).body());

      assertThat(names(r)).containsExactly("a", "nobody");
      assertThat(assignments(r).get(1).getEndpointsList()).isEmpty();
    }

    @Test
    void anEmptyNameListIsAWildcardForClustersAndListeners() {
      source.cluster("b", 8181);

      assertThat(names(parse(rest.handle("clusters", "{}").body()))).containsExactly("a", "b");
      assertThat(names(parse(rest.handle("listeners", "{}").body()))).containsExactly("a", "b");
      assertThat(names(parse(rest.handle("routes", "{}").body()))).isEmpty();
      assertThat(names(parse(rest.handle("endpoints", "{}").body()))).isEmpty();
    }

    @Test
    void anUnknownTypeIs404() {
      RestDiscovery.Result r = rest.handle("secrets", "{}");

      assertThat(r.status()).isEqualTo(404);
      assertProblem(r, 404);
    }

    @Test
    void malformedJsonIs400() {
      RestDiscovery.Result r = rest.handle("endpoints", "{\"resourceNames\": [");

      assertProblem(r, 400);
    }

    @Test
    void anEmptyBodyIs400() {
      assertProblem(rest.handle("endpoints", ""), 400);
    }

    @Test
    void aWrongFieldTypeIs400() {
      assertProblem(rest.handle("endpoints", "{\"resourceNames\": 7}"), 400);
    }

    @Test
    void aTypeUrlOfAnotherTypeIs400() {
      RestDiscovery.Result r = rest.handle("endpoints", json(ResourceType.CLUSTER, "", "a"));

      assertProblem(r, 400);
      assertThat(new JsonObject(r.body()).getString("detail"))
          .contains(ResourceType.CLUSTER.typeUrl());
    }

    @Test
    void unknownFieldsAreIgnored() {
      RestDiscovery.Result r =
          rest.handle("endpoints", "{\"resourceNames\":[\"a\"],\"futureField\":1}");

      assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void aPollFromANodeIdNotAllowedIs403AndNamesTheNodeForTheLog() {
      RestDiscovery guarded = new RestDiscovery(source, node -> node.startsWith("edge-"), 10_000);
      String body = "{\"node\":{\"id\":\"intruder\"},\"resourceNames\":[\"a\"]}";

      RestDiscovery.Result r = guarded.handle("endpoints", body);

      assertProblem(r, 403);
      assertThat(r.refusedNode()).isEqualTo("intruder");
      assertThat(new JsonObject(r.body()).getString("type")).endsWith("/node-not-allowed");
      assertThat(guarded.handle("endpoints", body.replace("intruder", "edge-1")).status())
          .isEqualTo(200);
      assertThat(rest.handle("endpoints", body).refusedNode()).isNull();
    }

    @Test
    void aPollNamingMoreResourcesThanTheLimitIs400() {
      RestDiscovery limited = new RestDiscovery(source, node -> true, 2);

      RestDiscovery.Result r =
          limited.handle("endpoints", "{\"resourceNames\":[\"a\",\"b\",\"c\"]}");

      assertProblem(r, 400);
      assertThat(new JsonObject(r.body()).getString("type")).endsWith("/too-many-names");
      assertThat(new JsonObject(r.body()).getString("detail"))
          .contains("names 3", "at most 2", "xds.maxNamesPerSubscription");
      assertThat(limited.handle("endpoints", "{\"resourceNames\":[\"a\",\"b\"]}").status())
          .isEqualTo(200);
    }

    @Test
    void aBodyThatIsNotUtf8Is400NamingWhere() {
      byte[] body = "{\"resourceNames\":[\"a\u00ff\"]}".getBytes(StandardCharsets.ISO_8859_1);

      RestDiscovery.Result r = rest.handle("endpoints", body);

      assertProblem(r, 400);
      assertThat(new JsonObject(r.body()).getString("detail"))
          .isEqualTo("body is not valid UTF-8 (at byte 20)");
      assertThat(
              rest.handle(
                      "endpoints",
                      json(ResourceType.ENDPOINT, "", "a").getBytes(StandardCharsets.UTF_8))
                  .status())
          .isEqualTo(200);
    }

    @Test
    void jsonNestedDeeperThan100LevelsIs400BeforeItIsParsed() {
      String hundred = "{\"future\":" + "[".repeat(99) + "]".repeat(99) + "}";
      String deeper = "{\"future\":" + "[".repeat(100) + "]".repeat(100) + "}";
      String huge = "[".repeat(100_000) + "]".repeat(100_000);

      assertThat(rest.handle("endpoints", hundred).status()).isEqualTo(200);
      assertProblem(rest.handle("endpoints", deeper), 400);
      RestDiscovery.Result r = rest.handle("endpoints", huge);
      assertProblem(r, 400);
      assertThat(new JsonObject(r.body()).getString("detail")).contains("deeper than 100");
    }

    @Test
    void jsonIsReadStrictly() {
      assertProblem(rest.handle("endpoints", "{'resourceNames':['a']}"), 400);
      assertProblem(rest.handle("endpoints", "{\"resourceNames\":[\"a\"]} trailing"), 400);
      assertProblem(rest.handle("endpoints", "{\"resourceNames\":[\"a\"]} // comment"), 400);
    }

    @Test
    void whatAnErrorEchoesIsEscapedAndCut() {
      String typeUrl = "bad\ntype" + "t".repeat(10_000);
      String names = "x".repeat(10_000);

      for (String body :
          List.of(
              new JsonObject().put("typeUrl", typeUrl).encode(),
              new JsonObject().put("resourceNames", names).encode(),
              "{\"resourceNames\": [" + "7".repeat(5000) + "]}")) {
        RestDiscovery.Result r = rest.handle("endpoints", body);
        assertProblem(r, 400);
        assertThat(new JsonObject(r.body()).getString("detail"))
            .hasSizeLessThan(400)
            .doesNotContain("\n");
      }
      assertThat(new JsonObject(rest.handle("y".repeat(5000), "{}").body()).getString("detail"))
          .hasSizeLessThan(300);
    }

    private void assertProblem(RestDiscovery.Result r, int status) {
      assertThat(r.status()).isEqualTo(status);
      assertThat(r.contentType()).isEqualTo("application/problem+json");
      JsonObject problem = new JsonObject(r.body());
      assertThat(problem.getInteger("status")).isEqualTo(status);
      assertThat(problem.getString("title")).isNotBlank();
      assertThat(problem.getString("detail")).isNotBlank();
    }
  }

  @Nested
  class OverHttp {
    private final TestServer server = TestServer.start();
    private final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @AfterEach
    void stop() throws Exception {
      server.close();
    }

    private HttpResponse<String> post(String type, String body) throws Exception {
      return http.send(
          RestPoll.request(server.port(), type, HttpRequest.BodyPublishers.ofString(body)),
          HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pollThen304ThenTheChange() throws Exception {
      server.register("a", "a1", 8080);
      server.awaitEndpoints("a", 1);

      HttpResponse<String> first = post("endpoints", json(ResourceType.ENDPOINT, "", "a"));
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("content-type")).hasValue("application/json");
      DiscoveryResponse r1 = parse(first.body());
      assertThat(assignment(r1).getClusterName()).isEqualTo("a");
      assertThat(ports(assignment(r1))).containsExactly(8080);

      HttpResponse<String> same =
          post("endpoints", json(ResourceType.ENDPOINT, r1.getVersionInfo(), "a"));
      assertThat(same.statusCode()).isEqualTo(304);

      server.register("a", "a2", 8081);
      server.awaitEndpoints("a", 2);
      HttpResponse<String> changed =
          post("endpoints", json(ResourceType.ENDPOINT, r1.getVersionInfo(), "a"));
      assertThat(changed.statusCode()).isEqualTo(200);
      DiscoveryResponse r2 = parse(changed.body());
      assertThat(r2.getVersionInfo()).isNotEqualTo(r1.getVersionInfo());
      assertThat(ports(assignment(r2))).containsExactlyInAnyOrder(8080, 8081);
    }

    @Test
    void everyRequestedKnownClusterAppearsAFullOneWithItsDrop() throws Exception {
      server.register("a", "a1", 8080);
      server.register("full", "f1", 9090);
      server.active("full", "f1", 10);
      server.awaitEndpoints("a", 1);
      server.awaitDropping("full");

      DiscoveryResponse r =
          parse(post("endpoints", json(ResourceType.ENDPOINT, "", "a", "full")).body());

      assertThat(names(r)).containsExactly("a", "full");
      ClusterLoadAssignment full = assignments(r).get(1);
      assertThat(full.getPolicy().getDropOverloadsList()).hasSize(1);
      assertThat(full.getPolicy().getDropOverloads(0).getDropPercentage().getNumerator())
          .isEqualTo(100);
    }

    @Test
    void clustersListenersAndRoutesArePolledToo() throws Exception {
      server.register("a", "a1", 8080);
      server.awaitEndpoints("a", 1);

      DiscoveryResponse clusters = parse(post("clusters", "{}").body());
      assertThat(clusters.getTypeUrl()).isEqualTo(ResourceType.CLUSTER.typeUrl());
      assertThat(clusters.getResources(0).unpack(Cluster.class).getType())
          .isEqualTo(Cluster.DiscoveryType.EDS);

      DiscoveryResponse listeners =
          parse(post("listeners", json(ResourceType.LISTENER, "", "a")).body());
      assertThat(names(listeners)).containsExactly("a");
      assertThat(listeners.getResources(0).unpack(Listener.class).hasApiListener()).isTrue();

      DiscoveryResponse routes = parse(post("routes", json(ResourceType.ROUTE, "", "a")).body());
      assertThat(
              routes
                  .getResources(0)
                  .unpack(RouteConfiguration.class)
                  .getVirtualHosts(0)
                  .getRoutes(0)
                  .getRoute()
                  .getCluster())
          .isEqualTo("a");

      HttpResponse<String> again =
          post("clusters", json(ResourceType.CLUSTER, clusters.getVersionInfo()));
      assertThat(again.statusCode()).isEqualTo(304);
    }

    @Test
    void errorsAreProblemJsonOverHttp() throws Exception {
      HttpResponse<String> unknown = post("secrets", "{}");
      assertThat(unknown.statusCode()).isEqualTo(404);

      HttpResponse<String> malformed = post("endpoints", "{not json");
      assertThat(malformed.statusCode()).isEqualTo(400);
      assertThat(malformed.headers().firstValue("content-type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    }
  }
}
