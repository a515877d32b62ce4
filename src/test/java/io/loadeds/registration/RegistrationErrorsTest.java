package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.registration.ApiServer.Answer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every class of refused request: the status, the problem+json body, and that the registry shows
 * exactly what it showed before. The clock moves before each refused request, so a refusal that
 * wrongly re-wrote a record would show in its timestamps.
 */
class RegistrationErrorsTest {
  static final String EP = "/v1/clusters/echo/endpoints/a";
  static final String INVALID_FIELD = "https://loadeds.io/problems/invalid-field";
  static final String MALFORMED = "https://loadeds.io/problems/malformed-json";

  ApiServer api;

  @BeforeEach
  void start() {
    api = ApiServer.start();
    api.send(
        "PUT",
        EP,
        "{\"address\":\"10.0.0.1\",\"port\":80,\"capacity\":4,\"metadata\":{\"v\":\"1\"}}");
    api.register("other", "b", "10.0.0.2", 81);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  /** Runs a request that must be refused and asserts that nothing changed. */
  private Answer refused(Supplier<Answer> request) {
    JsonNode before = api.state();
    api.clock.advance(Duration.ofSeconds(1));
    Answer answer = request.get();
    assertThat(api.state()).as("registry after %s", answer.body()).isEqualTo(before);
    return answer;
  }

  private void assertInvalidField(Answer a, String field, String path) {
    JsonNode p = a.problem(400);
    assertThat(p.path("type").asText()).isEqualTo(INVALID_FIELD);
    assertThat(p.path("field").asText()).isEqualTo(field);
    assertThat(p.path("detail").asText()).startsWith(field + ": ");
    assertThat(p.path("instance").asText()).isEqualTo(path);
  }

  @ParameterizedTest(name = "PUT {0} -> 400 naming {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          {"port":80}                                       | address
          {"address":null,"port":80}                        | address
          {"address":10,"port":80}                          | address
          {"address":"backend.example.com","port":80}       | address
          {"address":"localhost","port":80}                 | address
          {"address":"10.0.0.256","port":80}                | address
          {"address":"10.0.0.1"}                            | port
          {"address":"10.0.0.1","port":"80"}                | port
          {"address":"10.0.0.1","port":"x"}                 | port
          {"address":"10.0.0.1","port":0}                   | port
          {"address":"10.0.0.1","port":70000}               | port
          {"address":"10.0.0.1","port":80.5}                | port
          {"address":"10.0.0.1","port":1e2}                 | port
          {"address":"10.0.0.1","port":99999999999}         | port
          {"address":"10.0.0.1","port":true}                | port
          {"address":"10.0.0.1","port":80,"capacity":1.5}   | capacity
          {"address":"10.0.0.1","port":80,"capacity":"3"}   | capacity
          {"address":"10.0.0.1","port":80,"capacity":0}     | capacity
          {"address":"10.0.0.1","port":80,"active":-1}      | active
          {"address":"10.0.0.1","port":80,"active":[0]}     | active
          {"address":"10.0.0.1","port":80,"weight":0}       | weight
          {"address":"10.0.0.1","port":80,"weight":"2"}     | weight
          {"address":"10.0.0.1","port":80,"ttlSeconds":0}   | ttlSeconds
          {"address":"10.0.0.1","port":80,"ttlSeconds":"9"} | ttlSeconds
          {"address":"10.0.0.1","port":80,"ttlSeconds":1e9} | ttlSeconds
          {"address":"10.0.0.1","port":80,"ttlSeconds":999999999} | ttlSeconds
          {"address":"10.0.0.1","port":80,"locality":"eu"}  | locality
          {"address":"10.0.0.1","port":80,"locality":{"zone":5}}     | locality.zone
          {"address":"10.0.0.1","port":80,"locality":{"region":"e u"}} | locality.region
          {"address":"10.0.0.1","port":80,"metadata":[1]}   | metadata
          {"address":"10.0.0.1","port":80,"metadata":"v=1"} | metadata
          {"address":"10.0.0.1","port":80,"metadata":{"k":1}}    | metadata.k
          {"address":"10.0.0.1","port":80,"metadata":{"k":null}} | metadata.k
          """)
  void putWithAnInvalidFieldIs400NamingIt(String body, String field) {
    assertInvalidField(refused(() -> api.send("PUT", EP, body)), field, EP);
  }

  @ParameterizedTest(name = "PATCH {0} -> 400 naming {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          {"active":"1"}          | active
          {"active":null}         | active
          {"active":-1}           | active
          {"active":1.5}          | active
          {"capacity":1.5}        | capacity
          {"capacity":0}          | capacity
          {"capacity":false}      | capacity
          {"weight":"x"}          | weight
          {"weight":0}            | weight
          {"metadata":[1]}        | metadata
          {"metadata":{"a":true}} | metadata.a
          {"active":1,"weight":0} | weight
          """)
  void patchWithAnInvalidFieldIs400NamingIt(String body, String field) {
    assertInvalidField(refused(() -> api.send("PATCH", EP, body)), field, EP);
  }

  @ParameterizedTest(name = "body <{0}> -> 400")
  @ValueSource(
      strings = {
        "{",
        "{\"address\":",
        "not json",
        "{'address':'10.0.0.1'}",
        "{\"address\":\"10.0.0.1\",\"port\":80} trailing",
        "{\"address\":\"10.0.0.1\",\"port\":80,\"port\":81}",
        "[]",
        "\"a string\"",
        "42",
        "null",
        ""
      })
  void malformedJsonIs400(String body) {
    for (String method : new String[] {"PUT", "PATCH"}) {
      JsonNode p = refused(() -> api.send(method, EP, body)).problem(400);
      assertThat(p.path("type").asText()).isEqualTo(MALFORMED);
      assertThat(p.path("detail").asText()).isNotBlank();
      assertThat(p.path("instance").asText()).isEqualTo(EP);
    }
  }

  @ParameterizedTest(name = "{0} {1} -> 400 naming {2}")
  @CsvSource({
    "PUT,    /v1/clusters/bad%20name/endpoints/a,     cluster",
    "PUT,    /v1/clusters/echo/endpoints/bad%20name,  id",
    "PUT,    /v1/clusters/echo/endpoints/a%2Fb,       id",
    "PATCH,  /v1/clusters/echo/endpoints/bad%20name,  id",
    "DELETE, /v1/clusters/echo/endpoints/bad%20name,  id",
    "GET,    /v1/clusters/echo/endpoints/bad%20name,  id",
    "GET,    /v1/clusters/bad%20name,                 cluster",
    "PUT,    /v1/clusters/echo/endpoints/LONG,        id",
    "GET,    /v1/clusters/LONG,                       cluster"
  })
  void badNamesInThePathAre400(String method, String path, String field) {
    String p = path.replace("LONG", "x".repeat(200));
    String body = method.equals("PUT") || method.equals("PATCH") ? registration() : null;
    assertInvalidField(refused(() -> api.send(method, p, body, ApiServer.JSON)), field, p);
  }

  @ParameterizedTest(name = "{0} with {1} -> 415")
  @CsvSource(
      nullValues = "NONE",
      value = {
        "PUT, text/plain",
        "PUT, application/x-www-form-urlencoded",
        "PUT, NONE",
        "PATCH, text/plain",
        "PATCH, NONE"
      })
  void nonJsonContentTypeIs415(String method, String contentType) {
    Answer a = refused(() -> api.send(method, EP, registration(), contentType));
    JsonNode p = a.problem(415);
    assertThat(p.path("type").asText())
        .isEqualTo("https://loadeds.io/problems/unsupported-media-type");
  }

  @Test
  void jsonWithCharsetIsAccepted() {
    assertThat(api.send("PUT", EP, registration(), "application/json; charset=utf-8").status())
        .isEqualTo(200);
  }

  @Test
  void bodyOverTheLimitIs413AndRegistersNothing() {
    String huge = hugeRegistration();
    String fresh = "/v1/clusters/echo/endpoints/fresh";

    JsonNode p = refused(() -> api.send("PUT", fresh, huge)).problem(413);

    assertThat(p.path("type").asText()).isEqualTo("https://loadeds.io/problems/body-too-large");
    assertThat(p.path("detail").asText()).contains("65536");
    assertThat(p.path("instance").asText()).isEqualTo(fresh);
    api.get(fresh).problem(404);
    refused(() -> api.send("PATCH", EP, huge)).problem(413);
  }

  @Test
  void chunkedBodyOverTheLimitIs413Too() {
    byte[] huge = hugeRegistration().getBytes(StandardCharsets.UTF_8);
    // An InputStream publisher has no known length, so the body is sent chunked.
    Answer a =
        refused(
            () ->
                api.sendBody(
                    "PUT",
                    EP,
                    BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge)),
                    ApiServer.JSON));
    a.problem(413);
  }

  @ParameterizedTest(name = "{0} unknown endpoint -> 404")
  @ValueSource(strings = {"GET", "PATCH", "DELETE"})
  void unknownEndpointIs404(String method) {
    String path = "/v1/clusters/echo/endpoints/ghost";
    String body = method.equals("PATCH") ? "{\"active\":1}" : null;
    JsonNode p = refused(() -> api.send(method, path, body, ApiServer.JSON)).problem(404);
    assertThat(p.path("type").asText()).isEqualTo("https://loadeds.io/problems/unknown-endpoint");
    assertThat(p.path("detail").asText()).contains("echo/ghost");
    // Unknown cluster as well as unknown id.
    refused(() -> api.send(method, "/v1/clusters/none/endpoints/a", body, ApiServer.JSON))
        .problem(404);
  }

  @Test
  void unknownPathIs404ProblemJson() {
    JsonNode p = refused(() -> api.get("/v1/nothing/here")).problem(404);
    assertThat(p.path("type").asText()).isEqualTo("about:blank");
    assertThat(p.path("title").asText()).isEqualTo("Not Found");
    assertThat(p.path("instance").asText()).isEqualTo("/v1/nothing/here");
    refused(() -> api.get("/")).problem(404);
  }

  @Test
  void wrongMethodOnAKnownPathIs405WithAllow() {
    Answer a = refused(() -> api.send("POST", EP, registration()));
    a.problem(405);
    assertThat(a.headers().firstValue("allow")).contains("GET, PUT, PATCH, DELETE");
    Answer b = refused(() -> api.send("DELETE", "/v1/clusters", null, null));
    b.problem(405);
    assertThat(b.headers().firstValue("allow")).contains("GET");
  }

  private static String registration() {
    return "{\"address\":\"10.0.0.1\",\"port\":80,\"capacity\":4}";
  }

  private static String hugeRegistration() {
    String filler = "x".repeat(200);
    StringBuilder metadata = new StringBuilder("{");
    for (int i = 0; i < 400; i++) {
      metadata.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"").append(filler);
      metadata.append('"');
    }
    String body = "{\"address\":\"10.0.0.9\",\"port\":9,\"metadata\":" + metadata.append('}') + "}";
    assertThat(body.length()).isGreaterThan(64 * 1024);
    return body;
  }
}
