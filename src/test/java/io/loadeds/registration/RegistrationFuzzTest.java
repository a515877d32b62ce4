package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile input, generated: thousands of malformed requests against a real server. Each must get a
 * 4xx problem (never a 5xx), and none may change what the registry holds.
 */
class RegistrationFuzzTest {
  private static ApiServer server;

  @BeforeContainer
  static void start() {
    server = ApiServer.start();
    server.register("fuzz", "a", "10.0.0.1", 8080);
  }

  @AfterContainer
  static void stop() {
    server.close();
  }

  @Property(tries = 1000)
  void aRegistrationWithOneBadFieldIsRefusedAndChangesNothing(
      @ForAll("badRegistrations") String body, @ForAll("ids") String id) {
    assertRefused("PUT", "/v1/clusters/fuzz/endpoints/" + id, body);
  }

  @Property(tries = 500)
  void aLoadReportWithOneBadFieldIsRefusedAndChangesNothing(@ForAll("badReports") String body) {
    // PATCH reads only active, capacity, weight and metadata; other fields are ignored.
    assertRefused("PATCH", "/v1/clusters/fuzz/endpoints/a", body);
  }

  private static void assertRefused(String method, String path, String body) {
    JsonNode before = server.state();
    ApiServer.Answer answer = server.send(method, path, body);

    assertThat(answer.status()).as("%s %s -> %s", method, body, answer.body()).isBetween(400, 499);
    assertThat(answer.contentType()).isEqualTo("application/problem+json");
    assertThat(server.state()).isEqualTo(before);
  }

  @Property(tries = 1000)
  void garbageAnywhereNeverFailsTheServer(
      @ForAll("garbage") String body,
      @ForAll("paths") String path,
      @ForAll("methods") String method) {
    JsonNode before = server.state();
    ApiServer.Answer answer = server.send(method, path, body);

    // Some generated requests are valid (an empty PATCH is a heartbeat); none may fail the server,
    // and a refused one changes nothing.
    assertThat(answer.status())
        .as("%s %s %s -> %s", method, path, body, answer.body())
        .isLessThan(500);
    if (answer.status() >= 400) {
      assertThat(server.state()).isEqualTo(before);
    }
  }

  @Provide
  Arbitrary<String> badReports() {
    return Combinators.combine(
            Arbitraries.of("capacity", "active", "weight", "metadata"),
            Arbitraries.integers().between(0, 7))
        .as(RegistrationFuzzTest::withBadField);
  }

  @Provide
  Arbitrary<String> badRegistrations() {
    return Combinators.combine(
            Arbitraries.of(
                "address",
                "port",
                "capacity",
                "active",
                "weight",
                "ttlSeconds",
                "locality",
                "metadata"),
            Arbitraries.integers().between(0, 7))
        .as(RegistrationFuzzTest::withBadField);
  }

  /** A valid registration in which one field holds one of its known-bad values. */
  private static String withBadField(String field, int pick) {
    ObjectNode body = ApiServer.MAPPER.createObjectNode();
    body.put("address", "10.0.0.9").put("port", 9090).put("capacity", 3).put("active", 0);
    List<String> bad =
        switch (field) {
          case "address" ->
              List.of(
                  "\"\"",
                  "\"example.com\"",
                  "\"1.2.3.256\"",
                  "\"::g\"",
                  "7",
                  "null",
                  "\"localhost\"",
                  "[]");
          case "port" -> List.of("0", "-1", "65536", "\"80\"", "1.5", "true", "null", "{}");
          case "capacity" -> List.of("0", "-3", "\"3\"", "2.5", "true", "[]", "{}", "1e99");
          case "active" ->
              List.of("-1", "\"1\"", "1.5", "false", "[]", "{}", "-9999999999", "1e3.5");
          case "weight" -> List.of("0", "-1", "\"2\"", "1.5", "{}", "[]", "true", "99999999999");
          case "ttlSeconds" -> List.of("0", "-5", "999999", "\"15\"", "1.5", "[]", "true", "{}");
          case "locality" ->
              List.of(
                  "\"eu\"",
                  "5",
                  "{\"zone\":5}",
                  "{\"zone\":\"bad zone\"}",
                  "[]",
                  "true",
                  "{\"region\":[]}",
                  "\"\"");
          default ->
              List.of(
                  "[1]",
                  "\"x\"",
                  "{\"k\":5}",
                  "{\"k\":null}",
                  "{\"\":\"v\"}",
                  "true",
                  "7",
                  "{\"k\":[]}");
        };
    String json = body.toString();
    return json.substring(0, json.length() - 1) + ",\"" + field + "\":" + bad.get(pick) + "}";
  }

  @Provide
  Arbitrary<String> ids() {
    return Arbitraries.of("a", "b");
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of("PUT", "PATCH", "POST");
  }

  @Provide
  Arbitrary<String> garbage() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300),
        Arbitraries.strings().withChars("{}[]\":,0123456789.-eE truefalsnul").ofMaxLength(120),
        Arbitraries.of("", "{", "{\"address\":", "[]", "null", "\"\"", "{\"hosts\":[{]}"));
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> names =
        Arbitraries.oneOf(
            Arbitraries.strings().alpha().numeric().withChars("._-").ofMinLength(1).ofMaxLength(8),
            Arbitraries.of("bad%20name", "x".repeat(200), "%2e%2e", "..", "a%00b", "%2F"));
    return Arbitraries.oneOf(
        names.map(n -> "/v1/clusters/fuzz/endpoints/" + n),
        names.map(n -> "/v1/clusters/" + n + "/endpoints/x"),
        names.map(n -> "/edsservice/" + n),
        names.map(n -> "/v3/discovery:" + n),
        names.map(n -> "/" + n));
  }
}
