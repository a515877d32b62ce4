package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.admin.AdminApi;
import io.loadeds.admin.EventFeed;
import io.loadeds.admin.Readiness;
import io.loadeds.admin.XdsDebugState;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registration.ApiServer.Answer;
import io.loadeds.registry.Registry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keeps {@code /v1/openapi.json} true to what the server actually routes and answers. */
class OpenApiTest {
  static final Set<String> METHODS = Set.of("get", "put", "post", "patch", "delete");

  ApiServer api;
  JsonNode doc;

  @BeforeEach
  void start() {
    api = ApiServer.start();
    Answer served = api.get(RegistrationApi.OPENAPI_PATH);
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.contentType()).isEqualTo("application/json");
    doc = served.json();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void isOpenApi3AndEveryReferenceResolves() {
    assertThat(doc.path("openapi").asText()).startsWith("3.");
    assertThat(doc.path("info").path("title").asText()).isNotBlank();
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
    }
  }

  @Test
  void documentsExactlyTheRoutesTheRouterServes() {
    Set<String> routed = new TreeSet<>();
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      Registry registry = new Registry(RegistryConfig.defaults(), Clock.systemUTC());
      new RegistrationApi(registry, c -> Optional.empty(), 65536).mount(router);
      new AdminApi(
              registry,
              new Readiness(),
              new XdsDebugState(),
              new EventFeed(Clock.systemUTC()),
              Clock.systemUTC())
          .mount(vertx, router);
      for (Route route : router.getRoutes()) {
        if (ErrorPages.CLIENT_LEFT.equals(route.getName())) {
          continue; // serves failures of every path, answers none
        }
        assertThat(route.getPath()).as("every route has a path template").isNotNull();
        String template = route.getPath().replaceAll(":([A-Za-z0-9]+)", "{$1}");
        if (template.startsWith("/v1") || template.startsWith("/edsservice")) {
          route.methods().forEach(m -> routed.add(m.name() + " " + template));
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
    assertThat(routed).isEqualTo(documentedOperations());
  }

  @Test
  void everyDocumentedOperationAnswersWithADocumentedStatus() {
    api.send("PUT", "/v1/clusters/c/endpoints/e", "{\"address\":\"10.0.0.1\",\"port\":80}");
    api.send("POST", "/edsservice/c", "{\"hosts\":[]}");
    // DELETE last, so every other operation finds its resource.
    List<String> ops = new ArrayList<>(documentedOperations());
    ops.sort((a, b) -> Boolean.compare(a.startsWith("DELETE"), b.startsWith("DELETE")));
    for (String op : ops) {
      String method = op.substring(0, op.indexOf(' '));
      String template = op.substring(op.indexOf(' ') + 1);
      if (isEventStream(operation(template, method))) {
        continue; // never ends; AdminApiTest reads its first events
      }
      String path =
          template.replaceAll("\\{[A-Za-z]+}", "c").replace("/endpoints/c", "/endpoints/e");
      String body =
          switch (method) {
            case "PUT", "POST" ->
                template.startsWith("/edsservice")
                    ? "{\"hosts\":[]}"
                    : "{\"address\":\"10.0.0.1\",\"port\":80}";
            case "PATCH" -> "{}";
            default -> null;
          };
      Answer a = api.send(method, path, body, body == null ? null : ApiServer.JSON);

      assertThat(a.status()).as(op).isNotIn(404, 405);
      JsonNode responses = operation(template, method).path("responses");
      assertThat(responses.has(String.valueOf(a.status())))
          .as("%s answered %d, which is not documented", op, a.status())
          .isTrue();
    }
  }

  @Test
  void endpointViewSchemaMatchesARealAnswer() {
    JsonNode view =
        api.send(
                "PUT",
                "/v1/clusters/c/endpoints/e",
                "{\"address\":\"10.0.0.1\",\"port\":80,\"metadata\":{\"v\":\"1\"}}")
            .json();
    JsonNode real = api.get("/v1/clusters/c/endpoints/e").json();
    assertThat(real).isEqualTo(view);

    assertThat(propertyNames("Endpoint")).isEqualTo(fieldNames(real));
    assertThat(requiredNames("Endpoint")).isEqualTo(fieldNames(real));
    assertThat(propertyNames("Locality")).isEqualTo(fieldNames(real.get("locality")));
  }

  @Test
  void clusterSchemasMatchRealAnswers() {
    api.send("PUT", "/v1/clusters/c/endpoints/e", "{\"address\":\"10.0.0.1\",\"port\":80}");

    JsonNode list = api.get("/v1/clusters").json();
    JsonNode summary = list.path("clusters").get(0);
    JsonNode detail = api.get("/v1/clusters/c").json();

    assertThat(propertyNames("ClusterList")).isEqualTo(fieldNames(list));
    assertThat(propertyNames("ClusterSummary")).isEqualTo(fieldNames(summary));
    assertThat(propertyNames("Counts")).isEqualTo(fieldNames(summary.get("counts")));
    Set<String> detailNames = propertyNames("ClusterSummary");
    detailNames.addAll(fieldNames(schema("Cluster").path("allOf").get(1).path("properties")));
    assertThat(detailNames).isEqualTo(fieldNames(detail));
  }

  @Test
  void problemAndHostSchemasCoverRealAnswers() {
    JsonNode invalid =
        api.send("PUT", "/v1/clusters/c/endpoints/e", "{\"address\":\"10.0.0.1\"}").json();
    JsonNode unknown = api.get("/edsservice/c").json();
    assertThat(propertyNames("Problem"))
        .containsAll(fieldNames(invalid))
        .containsAll(fieldNames(unknown));

    api.send(
        "POST",
        "/edsservice/c",
        "{\"hosts\":[{\"ip_address\":\"10.0.0.1\",\"port\":80,"
            + "\"tags\":{\"az\":\"a\",\"canary\":false,\"load_balancing_weight\":3}}]}");
    JsonNode host = api.get("/edsservice/c").json().path("hosts").get(0);
    assertThat(propertyNames("EdsHost")).isEqualTo(fieldNames(host));
    assertThat(fieldNames(schema("EdsHost").path("properties").path("tags").path("properties")))
        .isEqualTo(fieldNames(host.get("tags")));
  }

  @Test
  void documentsTheStatusCodesOfWrites() {
    String endpoint = "/v1/clusters/{cluster}/endpoints/{id}";
    assertThat(fieldNames(operation(endpoint, "PUT").path("responses")))
        .contains("201", "200", "400", "413", "415");
    assertThat(fieldNames(operation(endpoint, "PATCH").path("responses")))
        .contains("200", "400", "404", "413", "415");
    assertThat(fieldNames(operation(endpoint, "DELETE").path("responses"))).contains("204", "404");
    assertThat(fieldNames(operation("/edsservice/{service}", "POST").path("responses")))
        .contains("201", "400", "409");
    for (String method : List.of("PUT", "PATCH", "DELETE")) {
      assertThat(fieldNames(operation(endpoint, method).path("responses")))
          .as(method)
          .contains("401", "403", "429");
    }
    assertThat(fieldNames(operation(endpoint, "PUT").path("responses"))).contains("409");
    assertThat(fieldNames(operation("/v1/clusters", "GET").path("responses"))).contains("401");
    assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
  }

  private Set<String> documentedOperations() {
    Set<String> out = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> path = it.next();
      for (String key : fieldNames(path.getValue())) {
        if (METHODS.contains(key)) {
          out.add(key.toUpperCase(Locale.ROOT) + " " + path.getKey());
        }
      }
    }
    return out;
  }

  private JsonNode operation(String template, String method) {
    JsonNode op = doc.path("paths").path(template).path(method.toLowerCase(Locale.ROOT));
    assertThat(op.isObject()).as("%s %s documented", method, template).isTrue();
    return op;
  }

  private JsonNode schema(String name) {
    JsonNode schema = doc.path("components").path("schemas").path(name);
    assertThat(schema.isObject()).as("schema %s", name).isTrue();
    return schema;
  }

  private Set<String> propertyNames(String schema) {
    return fieldNames(schema(schema).path("properties"));
  }

  private Set<String> requiredNames(String schema) {
    Set<String> out = new TreeSet<>();
    schema(schema).path("required").forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Set<String> fieldNames(JsonNode object) {
    Set<String> out = new TreeSet<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().equals("$ref")) {
                  refs.add(e.getValue().asText());
                } else {
                  collectRefs(e.getValue(), refs);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, refs));
    }
  }

  private static boolean isEventStream(JsonNode operation) {
    return operation.path("responses").path("200").path("content").has("text/event-stream");
  }
}
