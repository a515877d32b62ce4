package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.registration.ApiServer.Answer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The blog demo registry's {@code /edsservice} API, as its backends use it. */
class EdsServiceCompatApiTest {
  static final String SVC = "/edsservice/myservice";

  ApiServer api;

  @BeforeEach
  void start() {
    api = ApiServer.start();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  static ObjectNode host(String ip, int port, int weight) {
    ObjectNode host = ApiServer.MAPPER.createObjectNode();
    host.put("ip_address", ip).put("port", port);
    host.putObject("tags")
        .put("az", "us-central1-a")
        .put("canary", false)
        .put("load_balancing_weight", weight);
    return host;
  }

  static String hosts(ObjectNode... hosts) {
    ObjectNode body = ApiServer.MAPPER.createObjectNode();
    ArrayNode list = body.putArray("hosts");
    for (ObjectNode h : hosts) {
      list.add(h);
    }
    return body.toString();
  }

  /** What the blog's backend does at start: GET, then POST itself or append itself and PUT. */
  private void blogBackendRegisters(ObjectNode self) {
    Answer current = api.get(SVC);
    if (current.status() == 404) {
      assertThat(api.send("POST", SVC, hosts(self)).status()).isEqualTo(201);
    } else {
      assertThat(current.status()).isEqualTo(200);
      ObjectNode body = (ObjectNode) current.json();
      ((ArrayNode) body.get("hosts")).add(self);
      assertThat(api.send("PUT", SVC, body.toString()).status()).isEqualTo(200);
    }
  }

  @Test
  void blogBackendSequence() {
    Answer missing = api.get(SVC);
    JsonNode p = missing.problem(404);
    assertThat(p.path("message").asText()).contains("myservice");

    blogBackendRegisters(host("10.0.0.1", 8081, 50));
    assertThat(api.get(SVC).json()).isEqualTo(ApiServer.parse(hosts(host("10.0.0.1", 8081, 50))));

    blogBackendRegisters(host("10.0.0.2", 8082, 50));
    JsonNode both = api.get(SVC).json();
    assertThat(both.path("hosts").findValuesAsText("ip_address"))
        .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
    JsonNode cluster = api.get("/v1/clusters/myservice").json();
    assertThat(cluster.path("endpoints").findValuesAsText("id"))
        .containsExactly("10.0.0.1-8081", "10.0.0.2-8082");

    // The blog backend deregisters by GET, dropping its own IP, and PUT.
    assertThat(api.send("PUT", SVC, hosts(host("10.0.0.2", 8082, 50))).status()).isEqualTo(200);
    assertThat(api.get(SVC).json().path("hosts")).hasSize(1);
    api.get("/v1/clusters/myservice/endpoints/10.0.0.1-8081").problem(404);

    assertThat(api.delete(SVC).status()).isEqualTo(204);
    api.get(SVC).problem(404);
    api.get("/v1/clusters/myservice").problem(404);
    api.delete(SVC).problem(404);
  }

  @Test
  void hostsMapOntoEndpointsWithoutLease() {
    ObjectNode h = host("10.0.0.1", 8081, 50);
    ((ObjectNode) h.get("tags")).put("version", 3).put("canary", true);
    api.send("POST", SVC, hosts(h, host("fd00::1", 9000, 2)));

    JsonNode v = api.get("/v1/clusters/myservice/endpoints/10.0.0.1-8081").json();
    assertThat(v.path("weight").asInt()).isEqualTo(50);
    assertThat(v.path("effectiveWeight").asInt()).isEqualTo(50);
    assertThat(v.path("locality").path("zone").asText()).isEqualTo("us-central1-a");
    assertThat(v.path("metadata").toString()).isEqualTo("{\"canary\":\"true\",\"version\":\"3\"}");
    assertThat(v.path("source").asText()).isEqualTo("edsservice");
    assertThat(v.get("leaseExpiresAt").isNull()).isTrue();
    assertThat(v.get("ttlSeconds").isNull()).isTrue();
    assertThat(api.get("/v1/clusters/myservice/endpoints/fd00__1-9000").status()).isEqualTo(200);

    // No heartbeat, no expiry.
    api.clock.advance(Duration.ofHours(2));
    api.server.registry().expireLeases();
    JsonNode listed = api.get(SVC).json().path("hosts");
    assertThat(listed).hasSize(2);
    assertThat(listed.get(0).path("tags").path("canary").isBoolean()).isTrue();
    assertThat(listed.get(0).path("tags").path("version").asText()).isEqualTo("3");
  }

  @Test
  void postOfAnExistingServiceIs409() {
    assertThat(api.send("POST", SVC, hosts(host("10.0.0.1", 8081, 50))).status()).isEqualTo(201);
    JsonNode before = api.state();

    JsonNode p = api.send("POST", SVC, hosts(host("10.0.0.9", 8089, 1))).problem(409);

    assertThat(p.path("message").asText()).contains("exists");
    assertThat(api.state()).isEqualTo(before);
  }

  @Test
  void postEchoesTheBodyAndAnEmptyListCreatesTheService() {
    String body = hosts();
    Answer created = api.send("POST", SVC, body);
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json()).isEqualTo(ApiServer.parse(body));
    assertThat(api.get(SVC).body()).isEqualTo("{\"hosts\":[]}");
  }

  @Test
  void putOfAnUnknownServiceIs404AndCreatesNothing() {
    JsonNode p = api.send("PUT", SVC, hosts(host("10.0.0.1", 8081, 50))).problem(404);
    assertThat(p.path("message").asText()).contains("myservice");
    assertThat(api.get("/v1/clusters").json().path("clusters")).isEmpty();
  }

  @Test
  void compatWritesLeaveV1EndpointsOfTheSameClusterAlone() {
    JsonNode v1 = api.register("myservice", "grpc-1", "10.0.0.50", 50051);
    api.send("POST", SVC, hosts(host("10.0.0.1", 8081, 50)));

    api.send("PUT", SVC, hosts());

    JsonNode cluster = api.get("/v1/clusters/myservice").json();
    assertThat(cluster.path("endpoints")).hasSize(1);
    assertThat(cluster.path("endpoints").get(0)).isEqualTo(v1);
    assertThat(api.get(SVC).body()).isEqualTo("{\"hosts\":[]}"); // v1 endpoints are not listed
    api.delete(SVC);
    assertThat(api.get("/v1/clusters/myservice/endpoints/grpc-1").json()).isEqualTo(v1);
  }

  @Test
  void aHostListedTwiceCountsOnce() {
    api.send("POST", SVC, hosts(host("10.0.0.1", 8081, 5), host("10.0.0.1", 8081, 7)));
    JsonNode listed = api.get(SVC).json().path("hosts");
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).path("tags").path("load_balancing_weight").asInt()).isEqualTo(7);
  }

  @Test
  void bracketedIpv6AndMissingContentTypeAreAccepted() {
    String body = "{\"hosts\":[{\"ip_address\":\"[::1]\",\"port\":8001}]}";
    assertThat(api.send("POST", SVC, body, null).status()).isEqualTo(201);
    assertThat(api.get(SVC).json().path("hosts").get(0).path("ip_address").asText())
        .isEqualTo("::1");
  }

  @ParameterizedTest(name = "{0} -> 400 naming {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          {}                                                       | hosts
          {"hosts":{}}                                             | hosts
          {"hosts":[1]}                                            | hosts[0]
          {"hosts":[{"port":80}]}                                  | hosts[0].ip_address
          {"hosts":[{"ip_address":"backend.local","port":80}]}     | hosts[0].ip_address
          {"hosts":[{"ip_address":"10.0.0.1","port":"x"}]}         | hosts[0].port
          {"hosts":[{"ip_address":"10.0.0.1","port":0}]}           | hosts[0].port
          {"hosts":[{"ip_address":"10.0.0.1","port":80},{"ip_address":"10.0.0.2","port":70000}]} | hosts[1].port
          {"hosts":[{"ip_address":"10.0.0.1","port":80,"tags":[]}]} | hosts[0].tags
          {"hosts":[{"ip_address":"10.0.0.1","port":80,"tags":{"load_balancing_weight":0}}]} | hosts[0].tags.load_balancing_weight
          {"hosts":[{"ip_address":"10.0.0.1","port":80,"tags":{"load_balancing_weight":"5"}}]} | hosts[0].tags.load_balancing_weight
          {"hosts":[{"ip_address":"10.0.0.1","port":80,"tags":{"az":"us central"}}]} | hosts[0].tags.az
          """)
  void invalidHostListsAre400AndChangeNothing(String body, String field) {
    api.send("POST", SVC, hosts(host("10.0.0.1", 8081, 50)));
    JsonNode before = api.state();
    api.clock.advance(Duration.ofSeconds(1));

    for (String method : new String[] {"PUT", "POST"}) {
      String path = method.equals("PUT") ? SVC : "/edsservice/fresh";
      JsonNode p = api.send(method, path, body).problem(400);
      assertThat(p.path("field").asText()).isEqualTo(field);
      assertThat(p.path("detail").asText()).startsWith(field + ": ");
    }
    assertThat(api.state()).isEqualTo(before);
    api.get("/edsservice/fresh").problem(404); // the refused POST created no service
  }

  @Test
  void badServiceNameMalformedJsonAndWrongContentTypeAreRefused() {
    assertThat(api.get("/edsservice/bad%20name").problem(400).path("field").asText())
        .isEqualTo("service");
    api.send("POST", SVC, "{\"hosts\":[", ApiServer.JSON).problem(400);
    api.send("POST", SVC, hosts(), "text/plain").problem(415);
    api.get(SVC).problem(404);
  }
}
