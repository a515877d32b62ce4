package io.loadeds.xds.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.AuthConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Registration;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.transport.LoadEdsServer;
import io.loadeds.xds.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile bodies, generated, POSTed to Envoy's REST polling paths of a real server (production
 * wiring, node ids restricted to {@code fuzz-*}): truncated JSON, wrong types, huge numbers, deep
 * nesting, invalid UTF-8, unknown fields, bad type URLs, enormous strings and plain garbage. None
 * may get a 5xx, a refused one is a problem+json whose detail stays short whatever it echoes, and
 * what the server holds (and so what every other poller is answered) never changes.
 */
class RestDiscoveryFuzzTest {
  private static final List<String> TYPES = List.of("endpoints", "clusters", "listeners", "routes");
  private static final Set<Integer> ANSWERS = Set.of(200, 304, 400, 403, 404, 413);
  private static final int BODY_LIMIT = HttpConfig.defaults().bodyLimitBytes();

  /** Generous: the fixed text around a cut echo of at most 200 characters. */
  private static final int MAX_DETAIL = 600;

  private static Vertx vertx;
  private static LoadEdsServer server;
  private static HttpClient http;
  private static String before;
  private static String othersAnswer;

  @BeforeContainer
  static void start() throws Exception {
    vertx = Vertx.vertx();
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
            .withAuth(AuthConfig.defaults().withAllowedNodeIds(List.of("fuzz-*")));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
    server
        .registry()
        .register(
            new EndpointKey("a", "a1"),
            Registration.of("10.0.0.1", 8080).withLoad(10, 0).withTtl(Duration.ofHours(1)));
    TestServer.await(
        () -> server.resources().get(ResourceType.ENDPOINT, "a").isPresent(), "cluster a");
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    before = state();
    othersAnswer = post("endpoints", valid("endpoints").getBytes(StandardCharsets.UTF_8)).body();
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      // Alive, and another client is answered exactly as before the fuzzing.
      assertThat(post("endpoints", valid("endpoints").getBytes(StandardCharsets.UTF_8)).body())
          .isEqualTo(othersAnswer);
      assertThat(state()).isEqualTo(before);
    } finally {
      server.close().transform(ar -> vertx.close()).await(10, TimeUnit.SECONDS);
    }
  }

  @Property(tries = 2000)
  void aHostileBodyNeverFailsTheServerAndChangesNothing(
      @ForAll("hostile") byte[] body, @ForAll("types") String type) throws Exception {
    HttpResponse<String> r = post(type, body);
    Statistics.collect(r.statusCode());
    everyKindOfAnswerIsSeen();

    assertThat(r.statusCode()).as(describe(body, r)).isIn(ANSWERS);
    if (r.statusCode() >= 400) {
      assertProblem(r, body);
    }
    assertThat(state()).isEqualTo(before);
  }

  /** The generators reach every kind of answer, so the property checks what it claims to. */
  private static void everyKindOfAnswerIsSeen() {
    Statistics.coverage(
        c -> {
          c.check(200).count(n -> n >= 20);
          c.check(400).percentage(p -> p >= 40);
          c.check(403).count(n -> n >= 20);
          c.check(404).count(n -> n >= 20);
          c.check(413).count(n -> n >= 5);
        });
  }

  @Property(tries = 300)
  void invalidUtf8Is400(@ForAll("invalidUtf8") byte[] body, @ForAll("knownTypes") String type)
      throws Exception {
    HttpResponse<String> r = post(type, body);

    assertThat(r.statusCode()).as(describe(body, r)).isEqualTo(400);
    assertThat(assertProblem(r, body).getString("detail")).contains("UTF-8");
  }

  @Property(tries = 200)
  void nestingDeeperThanTheLimitIs400(
      @ForAll @IntRange(min = 101, max = 9_000) int depth, @ForAll("nestingPlaces") String place)
      throws Exception {
    byte[] body = nested(place, depth).getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> r = post("endpoints", body);

    assertThat(r.statusCode()).as(describe(body, r)).isEqualTo(400);
    assertThat(assertProblem(r, body).getString("detail")).contains("nested deeper than 100");
  }

  @Property(tries = 300)
  void aValidPollWithUnknownFieldsIsAnswered(
      @ForAll("knownTypes") String type,
      @ForAll("names") List<String> names,
      @ForAll("unknownFields") String extra)
      throws Exception {
    JsonObject request = new JsonObject(valid(type));
    request.put("resourceNames", names);
    String json = request.encode();
    byte[] body =
        (json.substring(0, json.length() - 1) + extra + "}").getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> r = post(type, body);

    assertThat(r.statusCode()).as(describe(body, r)).isIn(200, 304);
  }

  // --- generators ---

  @Provide
  Arbitrary<String> knownTypes() {
    return Arbitraries.of(TYPES);
  }

  @Provide
  Arbitrary<String> types() {
    return Arbitraries.frequencyOf(
        Tuple.of(12, Arbitraries.of(TYPES)),
        Tuple.of(1, Arbitraries.of("secrets", "endpoint", "x".repeat(300))));
  }

  @Provide
  Arbitrary<byte[]> hostile() {
    return Arbitraries.oneOf(
            truncated(),
            wrongTypes(),
            hugeNumbers(),
            deepNesting(),
            unknownFieldsOnly(),
            badTypeUrls(),
            enormousStrings(),
            garbageText())
        .map(s -> s.getBytes(StandardCharsets.UTF_8))
        .flatMap(
            b ->
                Arbitraries.frequencyOf(
                    Tuple.of(8, Arbitraries.just(b)),
                    Tuple.of(1, invalidUtf8()),
                    Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(300))));
  }

  private static Arbitrary<String> truncated() {
    return Arbitraries.of(TYPES)
        .map(RestDiscoveryFuzzTest::valid)
        .flatMap(
            v -> Arbitraries.integers().between(0, v.length() - 1).map(n -> v.substring(0, n)));
  }

  private static Arbitrary<String> wrongTypes() {
    return Combinators.combine(
            Arbitraries.of(
                "versionInfo",
                "node",
                "resourceNames",
                "typeUrl",
                "responseNonce",
                "errorDetail",
                "resourceLocators"),
            Arbitraries.of(
                "7",
                "true",
                "null",
                "[]",
                "{}",
                "\"x\"",
                "1.5",
                "-0",
                "[[]]",
                "{\"a\":1}",
                "[1,2]",
                "[null]",
                "{\"id\":7}",
                "{\"metadata\":[]}",
                "{\"code\":\"x\"}",
                "\"\\ud800\""))
        .as((field, value) -> "{\"" + field + "\":" + value + "}");
  }

  private static Arbitrary<String> hugeNumbers() {
    return Combinators.combine(
            Arbitraries.of(
                "{\"errorDetail\":{\"code\":%s}}",
                "{\"node\":{\"id\":\"fuzz-1\",\"userAgentBuildVersion\":{\"version\":{\"majorNumber\":%s}}}}",
                "{\"node\":{\"id\":\"fuzz-1\",\"listeningAddresses\":[{\"socketAddress\":{\"portValue\":%s}}]}}",
                "{\"node\":{\"id\":\"fuzz-1\",\"metadata\":{\"n\":%s}}}",
                "{\"versionInfo\":%s}"),
            Arbitraries.oneOf(
                Arbitraries.of(
                    "1e999999999",
                    "-1e999999999",
                    "1e-999999999",
                    "4294967296",
                    "-2147483649",
                    "9223372036854775808",
                    "1.7976931348623157e309",
                    "NaN",
                    "Infinity",
                    "-Infinity",
                    "0x10",
                    "01",
                    "1e",
                    "-",
                    "\"1e400\""),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(3000)))
        .as(String::format);
  }

  private static Arbitrary<String> deepNesting() {
    return Combinators.combine(nestingPlaces(), Arbitraries.integers().between(1, BODY_LIMIT / 2))
        .as(RestDiscoveryFuzzTest::nested);
  }

  @Provide
  static Arbitrary<String> nestingPlaces() {
    return Arbitraries.of("root-array", "root-object", "unknown", "names", "metadata", "details");
  }

  /** A body with {@code depth} levels of nesting at {@code place}. */
  private static String nested(String place, int depth) {
    String arrays = "[".repeat(depth) + "]".repeat(depth);
    String objects = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    return switch (place) {
      case "root-array" -> arrays;
      case "root-object" -> objects;
      case "unknown" -> "{\"futureField\":" + arrays + "}";
      case "names" -> "{\"resourceNames\":" + arrays + "}";
      case "metadata" -> "{\"node\":{\"id\":\"fuzz-1\",\"metadata\":" + objects + "}}";
      default -> "{\"errorDetail\":{\"details\":" + arrays + "}}";
    };
  }

  private static Arbitrary<String> unknownFieldsOnly() {
    return Combinators.combine(Arbitraries.of(TYPES), unknownFields())
        .as(
            (type, extra) -> {
              String v = valid(type);
              return v.substring(0, v.length() - 1) + extra + "}";
            });
  }

  @Provide
  static Arbitrary<String> unknownFields() {
    Arbitrary<String> name =
        Arbitraries.strings().alpha().numeric().withChars("_-$@").ofMinLength(1).ofMaxLength(20);
    Arbitrary<String> value =
        Arbitraries.of("1", "\"x\"", "[]", "{}", "null", "true", "[{\"a\":[1,{\"b\":null}]}]");
    return Combinators.combine(name, value)
        .as((n, v) -> ",\"x" + n + "\":" + v)
        .list()
        .ofMaxSize(4)
        .map(l -> String.join("", l));
  }

  @Provide
  static Arbitrary<List<String>> names() {
    return Arbitraries.strings()
        .ofMinLength(1)
        .ofMaxLength(40)
        .list()
        .ofMaxSize(5)
        .map(l -> l.stream().map(s -> s.replace("*", "")).filter(s -> !s.isEmpty()).toList());
  }

  private static Arbitrary<String> badTypeUrls() {
    Arbitrary<String> url =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(100),
            Arbitraries.strings().ofMinLength(1000).ofMaxLength(20_000),
            Arbitraries.of(
                "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
                "type.googleapis.com/",
                "envoy.config.endpoint.v3.ClusterLoadAssignment",
                "line\nbreak\r\u2028\u202e"));
    return url.map(u -> "{\"node\":{\"id\":\"fuzz-1\"},\"typeUrl\":" + Json.encode(u) + "}");
  }

  private static Arbitrary<String> enormousStrings() {
    return Combinators.combine(
            Arbitraries.of(
                "{\"node\":{\"id\":\"%s\"}}",
                "{\"node\":{\"id\":\"fuzz-%s\"}}",
                "{\"versionInfo\":\"%s\",\"node\":{\"id\":\"fuzz-1\"}}",
                "{\"node\":{\"id\":\"fuzz-1\"},\"resourceNames\":[\"%s\"]}",
                "{\"node\":{\"id\":\"fuzz-1\"},\"typeUrl\":\"%s\"}",
                "{\"node\":{\"id\":\"fuzz-1\"},\"%s\":1}",
                "{\"node\":{\"id\":\"fuzz-1\"},\"resourceNames\":\"%s\"}"),
            Arbitraries.integers().between(20_000, BODY_LIMIT + 20_000),
            Arbitraries.of('q', 'é', '\u2028', '"'))
        .as(
            (template, n, c) ->
                String.format(template, (c == '"' ? "\\\"" : "" + c).repeat(n / 2)));
  }

  private static Arbitrary<String> garbageText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300),
        Arbitraries.strings()
            .withChars("{}[]\":,0123456789.-eE truefalsnul\\'/*#")
            .ofMaxLength(200));
  }

  @Provide
  static Arbitrary<byte[]> invalidUtf8() {
    byte[][] bad = {
      {(byte) 0xff},
      {(byte) 0xc3, (byte) 0x28},
      {(byte) 0xc0, (byte) 0xaf},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
      {(byte) 0xe2, (byte) 0x82},
      {(byte) 0x80}
    };
    return Combinators.combine(
            Arbitraries.of(TYPES).map(RestDiscoveryFuzzTest::valid),
            Arbitraries.of(bad),
            Arbitraries.doubles().between(0, 1))
        .as(
            (json, b, where) -> {
              byte[] text = json.getBytes(StandardCharsets.UTF_8);
              int at = (int) (where * text.length);
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              out.write(text, 0, at);
              out.write(b, 0, b.length);
              out.write(text, at, text.length - at);
              return out.toByteArray();
            });
  }

  // --- helpers ---

  /** A valid poll for {@code type}, from an allowed node. */
  private static String valid(String type) {
    ResourceType t = ResourceType.fromRestName(type).orElse(ResourceType.ENDPOINT);
    return new JsonObject()
        .put("versionInfo", "")
        .put(
            "node",
            new JsonObject()
                .put("id", "fuzz-node")
                .put("cluster", "fuzz")
                .put("metadata", new JsonObject().put("k", "v"))
                .put("userAgentName", "envoy"))
        .put("resourceNames", List.of("a"))
        .put("typeUrl", t.typeUrl())
        .put("responseNonce", "")
        .encode();
  }

  private static HttpResponse<String> post(String type, byte[] body)
      throws IOException, InterruptedException {
    return http.send(
        RestPoll.request(server.port(), type, HttpRequest.BodyPublishers.ofByteArray(body)),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Asserts a short problem+json answer and returns it. */
  private static JsonObject assertProblem(HttpResponse<String> r, byte[] body) {
    assertThat(r.headers().firstValue("content-type"))
        .as(describe(body, r))
        .hasValue("application/problem+json");
    JsonObject problem = new JsonObject(r.body());
    assertThat(problem.getInteger("status")).isEqualTo(r.statusCode());
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail"))
        .as("the detail of %s", describe(body, r))
        .isNotBlank()
        .hasSizeLessThan(MAX_DETAIL);
    return problem;
  }

  /** What the server holds: every published resource's version, and the registry. */
  private static String state() {
    StringBuilder out = new StringBuilder();
    for (ResourceType t : ResourceType.values()) {
      server
          .resources()
          .all(t)
          .forEach((name, r) -> out.append(t).append(name).append(r.version()));
    }
    server.registry().clusters().forEach(c -> out.append(c.name()).append(c.endpoints()));
    return out.toString();
  }

  private static String describe(byte[] body, HttpResponse<String> r) {
    String text = new String(body, StandardCharsets.UTF_8);
    return (text.length() > 300 ? text.substring(0, 300) + "...(" + text.length() + ")" : text)
        + " -> "
        + r.statusCode()
        + " "
        + (r.body().length() > 500 ? r.body().substring(0, 500) + "..." : r.body());
  }
}
