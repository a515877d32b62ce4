package io.loadeds.registration;

import static io.loadeds.registration.ApiServer.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.registration.ApiServer.Answer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every call of the {@code /v1} API on its successful paths, against the real server. */
class RegistrationApiTest {
  static final String EP = "/v1/clusters/echo/endpoints/";
  static final String FULL_BODY =
      """
      {"address":"10.0.0.7","port":50051,"capacity":3,"active":1,"weight":null,"ttlSeconds":20,
       "locality":{"region":"eu","zone":"eu-1a","subZone":""},
       "metadata":{"version":"1.4.2"},"someFutureField":{"ignored":true}}
      """;

  ApiServer api;

  @BeforeEach
  void start() {
    api = ApiServer.start();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void putCreatesWith201AndAnswersTheFullView() {
    Answer a = api.send("PUT", EP + "a", FULL_BODY);

    assertThat(a.status()).isEqualTo(201);
    assertThat(a.contentType()).isEqualTo("application/json");
    assertThat(a.headers().firstValue("location")).contains(EP + "a");
    JsonNode v = a.json();
    assertThat(v.path("cluster").asText()).isEqualTo("echo");
    assertThat(v.path("id").asText()).isEqualTo("a");
    assertThat(v.path("address").asText()).isEqualTo("10.0.0.7");
    assertThat(v.path("port").asInt()).isEqualTo(50051);
    assertThat(v.path("capacity").asInt()).isEqualTo(3);
    assertThat(v.path("active").asInt()).isEqualTo(1);
    assertThat(v.get("weight").isNull()).isTrue();
    assertThat(v.path("ttlSeconds").asLong()).isEqualTo(20);
    assertThat(v.path("locality").path("zone").asText()).isEqualTo("eu-1a");
    assertThat(v.path("metadata").path("version").asText()).isEqualTo("1.4.2");
    assertThat(v.path("admitted").asBoolean()).isTrue();
    assertThat(v.path("effectiveWeight").asInt()).isEqualTo(2); // spare capacity
    assertThat(v.path("state").asText()).isEqualTo("ADMITTED");
    assertThat(v.path("leaseExpiresAt").asText()).isEqualTo(T0.plusSeconds(20).toString());
    assertThat(v.path("registeredAt").asText()).isEqualTo(T0.toString());
    assertThat(v.path("updatedAt").asText()).isEqualTo(T0.toString());
    assertThat(v.path("source").asText()).isEqualTo("v1");
    assertThat(v.has("someFutureField")).isFalse();
    assertThat(api.get(EP + "a").json()).isEqualTo(v);
  }

  @Test
  void repeatedPutReplacesWith200AndKeepsRegisteredAt() {
    api.send("PUT", EP + "a", FULL_BODY);
    api.clock.advance(Duration.ofSeconds(5));

    Answer a = api.send("PUT", EP + "a", "{\"address\":\"10.0.0.7\",\"port\":50051}");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.headers().firstValue("location")).isEmpty();
    JsonNode v = a.json();
    assertThat(v.get("capacity").isNull()).isTrue(); // the whole record was replaced
    assertThat(v.path("ttlSeconds").asLong()).isEqualTo(15); // the server's default lease
    assertThat(v.path("metadata").size()).isZero();
    assertThat(v.path("registeredAt").asText()).isEqualTo(T0.toString());
    assertThat(v.path("updatedAt").asText()).isEqualTo(T0.plusSeconds(5).toString());
  }

  @Test
  void ipv6AddressesAreAccepted() {
    JsonNode v = api.register("echo", "six", "fd00::7", 8080);
    assertThat(v.path("address").asText()).isEqualTo("fd00::7");
  }

  @Test
  void patchReportsLoadAndRenewsTheLease() {
    api.send("PUT", EP + "a", FULL_BODY);
    api.clock.advance(Duration.ofSeconds(7));

    Answer a = api.send("PATCH", EP + "a", "{\"active\":3}");

    assertThat(a.status()).isEqualTo(200);
    JsonNode v = a.json();
    assertThat(v.path("active").asInt()).isEqualTo(3);
    assertThat(v.path("state").asText()).isEqualTo("FULL");
    assertThat(v.path("admitted").asBoolean()).isFalse();
    assertThat(v.path("effectiveWeight").asInt()).isZero();
    assertThat(v.path("leaseExpiresAt").asText()).isEqualTo(T0.plusSeconds(27).toString());
    assertThat(v.path("metadata").path("version").asText()).isEqualTo("1.4.2"); // untouched
  }

  @Test
  void emptyPatchIsAPureHeartbeat() {
    JsonNode before = api.send("PUT", EP + "a", FULL_BODY).json();
    api.clock.advance(Duration.ofSeconds(10));

    JsonNode after = api.send("PATCH", EP + "a", "{}").json();

    assertThat(after.path("leaseExpiresAt").asText()).isEqualTo(T0.plusSeconds(30).toString());
    for (String field : new String[] {"active", "capacity", "weight", "metadata", "state"}) {
      assertThat(after.get(field)).as(field).isEqualTo(before.get(field));
    }
  }

  @Test
  void patchNullClearsCapacityAndWeightAndSetsMetadata() {
    api.send("PUT", EP + "a", FULL_BODY);
    api.send("PATCH", EP + "a", "{\"active\":3}"); // full

    JsonNode v =
        api.send(
                "PATCH",
                EP + "a",
                "{\"capacity\":null,\"weight\":null,\"metadata\":{\"v\":\"2\"}}",
                "application/merge-patch+json")
            .json();

    assertThat(v.get("capacity").isNull()).isTrue();
    assertThat(v.path("state").asText()).isEqualTo("ADMITTED"); // no longer load-gated
    assertThat(v.path("effectiveWeight").asInt()).isEqualTo(1);
    assertThat(v.path("metadata").toString()).isEqualTo("{\"v\":\"2\"}");
    JsonNode w = api.send("PATCH", EP + "a", "{\"weight\":7}").json();
    assertThat(w.path("effectiveWeight").asInt()).isEqualTo(7);
  }

  @Test
  void patchAfterLeaseExpiryIs404AndPutRegistersAgain() {
    api.send("PUT", EP + "a", FULL_BODY);
    api.clock.advance(Duration.ofSeconds(21));
    assertThat(api.server.registry().expireLeases()).isEqualTo(1);
    assertThat(api.get(EP + "a").json().path("state").asText()).isEqualTo("EXPIRED");

    JsonNode p = api.send("PATCH", EP + "a", "{\"active\":0}").problem(404);

    assertThat(p.path("type").asText()).isEqualTo("https://loadeds.io/problems/unknown-endpoint");
    assertThat(p.path("detail").asText()).contains("echo/a", "PUT");
    assertThat(p.path("instance").asText()).isEqualTo(EP + "a");
    assertThat(api.send("PUT", EP + "a", FULL_BODY).status()).isEqualTo(201);
  }

  @Test
  void deleteRemovesTheEndpoint() {
    api.register("echo", "a", "10.0.0.1", 80);
    api.register("echo", "b", "10.0.0.2", 80);

    Answer a = api.delete(EP + "a");

    assertThat(a.status()).isEqualTo(204);
    assertThat(a.body()).isEmpty();
    api.get(EP + "a").problem(404);
    api.delete(EP + "a").problem(404);
    assertThat(api.get("/v1/clusters/echo").json().path("counts").path("endpoints").asInt())
        .isEqualTo(1);
  }

  @Test
  void aNewIdTakesTheAddressOver() {
    api.register("echo", "old", "10.0.0.1", 80);

    Answer a = api.send("PUT", EP + "new", "{\"address\":\"10.0.0.1\",\"port\":80}");

    assertThat(a.status()).isEqualTo(201);
    api.get(EP + "old").problem(404);
    JsonNode cluster = api.get("/v1/clusters/echo").json();
    assertThat(cluster.path("endpoints")).hasSize(1);
    assertThat(cluster.path("endpoints").get(0).path("id").asText()).isEqualTo("new");
  }

  @Test
  void clusterListShowsCountsAndThePublishedVersion() throws InterruptedException {
    api.register("b-cluster", "x", "10.0.0.9", 80);
    api.send("PUT", EP + "a", "{\"address\":\"10.0.0.1\",\"port\":80,\"capacity\":1}");
    api.send("PUT", EP + "b", "{\"address\":\"10.0.0.2\",\"port\":80,\"capacity\":1,\"active\":1}");
    api.send("PUT", EP + "c", "{\"address\":\"10.0.0.3\",\"port\":80,\"ttlSeconds\":5}");
    api.clock.advance(Duration.ofSeconds(6));
    api.server.registry().expireLeases();

    JsonNode echo = awaitPublished("echo");

    assertThat(echo.path("counts").toString())
        .isEqualTo("{\"endpoints\":3,\"admitted\":1,\"full\":1,\"expired\":1}");
    assertThat(echo.path("version").asText()).isNotBlank();
    JsonNode names = api.get("/v1/clusters").json().path("clusters");
    assertThat(names.get(0).path("name").asText()).isEqualTo("b-cluster"); // ordered by name
  }

  @Test
  void clusterDetailListsEndpointsByIdAndUnknownClusterIs404() {
    api.register("echo", "b", "10.0.0.2", 80);
    api.register("echo", "a", "10.0.0.1", 80);

    JsonNode c = api.get("/v1/clusters/echo").json();

    assertThat(c.path("name").asText()).isEqualTo("echo");
    assertThat(c.path("endpoints").findValuesAsText("id")).containsExactly("a", "b");
    JsonNode p = api.get("/v1/clusters/nope").problem(404);
    assertThat(p.path("type").asText()).isEqualTo("https://loadeds.io/problems/unknown-cluster");
  }

  @Test
  void emptyRegistryListsNoClusters() {
    Answer a = api.get("/v1/clusters");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).isEqualTo("{\"clusters\":[]}");
  }

  /**
   * The cluster's list entry once its EDS version is published and settled: publishing is
   * asynchronous, so waits (bounded) until the list, the detail and the snapshot cache agree.
   */
  private JsonNode awaitPublished(String cluster) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(10);
    while (true) {
      String cached = api.server.resources().endpointsVersion(cluster).orElse(null);
      String detail = api.get("/v1/clusters/" + cluster).json().path("version").asText(null);
      for (JsonNode c : api.get("/v1/clusters").json().path("clusters")) {
        String listed = c.path("version").asText(null);
        if (c.path("name").asText().equals(cluster)
            && listed != null
            && listed.equals(cached)
            && listed.equals(detail)) {
          return c;
        }
      }
      assertThat(Instant.now()).as("version of %s published", cluster).isBefore(deadline);
      Thread.sleep(20);
    }
  }
}
