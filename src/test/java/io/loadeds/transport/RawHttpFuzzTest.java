package io.loadeds.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Registration;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
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
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile bytes on a raw socket against a real server (production wiring): request bodies that are
 * not strict UTF-8 JSON on every path that takes a body, and HTTP/1.1 framing the codec refuses.
 * Each body, read leniently, would change the registry (it takes over a registered address, changes
 * a load report or a service's hosts). Every request must be answered with a 4xx problem+json
 * before the connection ends (never a 5xx, never a bare close), and what the server holds, registry
 * and published resources alike, never changes.
 */
class RawHttpFuzzTest {
  /** A path that takes a body, and a body for it that would change the registry if accepted. */
  record Target(String method, String path, String template) {
    /** The body with {@code key} and {@code value} as one member name and one string value. */
    String json(String key, String value) {
      return template.replace("KEY", key).replace("VALUE", value);
    }
  }

  private static final List<Target> TARGETS =
      List.of(
          new Target(
              "PUT",
              "/v1/clusters/shop/endpoints/intruder",
              "{\"address\":\"10.0.0.1\",\"port\":8080,\"locality\":{\"zone\":\"VALUE\"},"
                  + "\"metadata\":{\"KEY\":\"v\"}}"),
          new Target(
              "PATCH",
              "/v1/clusters/shop/endpoints/s2",
              "{\"active\":3,\"metadata\":{\"KEY\":\"VALUE\"}}"),
          new Target(
              "PUT",
              "/edsservice/blog",
              "{\"hosts\":[{\"ip_address\":\"10.0.0.1\",\"port\":8080,"
                  + "\"tags\":{\"az\":\"VALUE\",\"KEY\":true}}]}"),
          new Target(
              "POST",
              "/edsservice/fresh",
              "{\"hosts\":[{\"ip_address\":\"10.0.0.9\",\"port\":8080,\"tags\":{\"az\":\"VALUE\"}}],"
                  + "\"KEY\":1}"),
          new Target(
              "POST",
              "/v3/discovery:endpoints",
              "{\"node\":{\"id\":\"VALUE\",\"metadata\":{\"KEY\":1}},\"resourceNames\":[\"shop\"]}"));

  private static final String UNKNOWN_VERSION = "unknown HTTP version";
  private static final Set<Integer> FRAMING_ANSWERS = Set.of(400, 404, 405, 413, 414, 415, 431);

  private static Vertx vertx;
  private static LoadEdsServer server;
  private static String before;

  @BeforeContainer
  static void start() throws Exception {
    vertx = Vertx.vertx();
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
    Duration hour = Duration.ofHours(1);
    server
        .registry()
        .register(
            new EndpointKey("shop", "s1"),
            Registration.of("10.0.0.1", 8080).withLoad(10, 0).withTtl(hour));
    server
        .registry()
        .register(
            new EndpointKey("shop", "s2"),
            Registration.of("10.0.0.2", 8080).withLoad(10, 0).withTtl(hour));
    RawHttp.Answer blog =
        send(
            "POST",
            "/edsservice/blog",
            false,
            utf8("{\"hosts\":[{\"ip_address\":\"10.0.0.3\",\"port\":80}]}"));
    assertThat(blog.status()).as(blog.raw()).isEqualTo(201);
    TestServer.await(
        () -> server.resources().get(ResourceType.ENDPOINT, "blog").isPresent(), "cluster blog");
    before = state();
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      RawHttp.Answer alive = send("GET", "/v1/clusters", false, new byte[0]);
      assertThat(alive.status()).isEqualTo(200);
      assertThat(state()).isEqualTo(before);
    } finally {
      server.close().transform(ar -> vertx.close()).await(10, TimeUnit.SECONDS);
    }
  }

  @Property(tries = 250)
  void aBodyThatIsNotStrictUtf8JsonIsRefusedAndChangesNothing(
      @ForAll("targets") Target target,
      @ForAll("notStrictUtf8Json") Corruption corruption,
      @ForAll boolean chunked)
      throws Exception {
    byte[] body = corruption.apply(target);
    Statistics.collect(corruption.kind());

    RawHttp.Answer answer = send(target.method(), target.path(), chunked, body);

    String what =
        target.method() + " " + target.path() + " " + corruption.kind() + " -> " + answer.raw();
    assertThat(answer.status()).as(what).isEqualTo(400);
    assertThat(answer.contentType()).as(what).isEqualTo("application/problem+json");
    JsonObject problem = new JsonObject(answer.body());
    assertThat(problem.getString("type")).as(what).endsWith("/malformed-json");
    assertThat(problem.getString("detail")).as(what).isNotBlank().hasSizeLessThan(600);
    assertThat(state()).as(what).isEqualTo(before);
  }

  @Property(tries = 250)
  void brokenFramingIsAnsweredWithA4xxBeforeTheConnectionEnds(@ForAll("framingFaults") Fault fault)
      throws Exception {
    String category = fault.kind().replaceAll("^(\\S+ \\S+).*", "$1");
    Statistics.label("category").collect(category);
    // Every kind of fault is generated often enough to be checked.
    Statistics.label("category")
        .coverage(
            c -> {
              for (String kind :
                  List.of(
                      "chunk size",
                      "request line",
                      "one header",
                      "headers of",
                      "header line",
                      "content-length value",
                      "unknown HTTP")) {
                c.check(kind).count(n -> n >= 5);
              }
            });

    RawHttp.Answer answer = RawHttp.exchange(server.port(), fault.request());

    String what = fault.kind() + " -> " + answer.raw();
    assertThat(answer.timedOut()).as("the connection ends: %s", what).isFalse();
    assertThat(state()).as(what).isEqualTo(before);
    if (fault.kind().startsWith(UNKNOWN_VERSION)) {
      // Vert.x answers this itself, before any handler of ours runs (README, Secure deployment).
      assertThat(answer.status()).as(what).isEqualTo(501);
      return;
    }
    assertThat(answer.status()).as("an answer before the close: %s", what).isIn(FRAMING_ANSWERS);
    assertThat(answer.contentType()).as(what).isEqualTo("application/problem+json");
    assertThat(new JsonObject(answer.body()).getInteger("status")).isEqualTo(answer.status());
  }

  // --- body corruption ---

  /** One way of making a body not strict UTF-8 JSON. */
  record Corruption(String kind, java.util.function.Function<Target, byte[]> how) {
    byte[] apply(Target t) {
      return how.apply(t);
    }

    @Override
    public String toString() {
      return kind;
    }
  }

  @Provide
  Arbitrary<Target> targets() {
    return Arbitraries.of(TARGETS);
  }

  @Provide
  Arbitrary<Corruption> notStrictUtf8Json() {
    return Arbitraries.oneOf(
        invalidUtf8(), otherEncoding(), byteOrderMark(), nulByte(), loneSurrogate());
  }

  private static Arbitrary<Corruption> invalidUtf8() {
    byte[][] bad = {
      {(byte) 0xc0, (byte) 0xaf}, // overlong
      {(byte) 0xe0, (byte) 0x80, (byte) 0xaf}, // overlong, three bytes
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // an encoded high surrogate
      {(byte) 0xed, (byte) 0xbf, (byte) 0xbf}, // an encoded low surrogate
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
      {(byte) 0xff},
      {(byte) 0x80},
      {(byte) 0xe2, (byte) 0x82}
    };
    return Combinators.combine(Arbitraries.of(bad), Arbitraries.doubles().between(0, 1))
        .as(
            (b, where) ->
                new Corruption(
                    "invalid UTF-8 " + hex(b), t -> insert(utf8(t.json("k", "v")), where, b)));
  }

  private static Arbitrary<Corruption> otherEncoding() {
    return Combinators.combine(
            Arbitraries.of("UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"),
            Arbitraries.of(true, false))
        .as(
            (charset, bom) ->
                new Corruption(
                    charset + (bom ? " with BOM" : ""),
                    t ->
                        (bom ? "\uFEFF" : "")
                            .concat(t.json("k", "v"))
                            .getBytes(Charset.forName(charset))));
  }

  private static Arbitrary<Corruption> byteOrderMark() {
    return Arbitraries.just(
        new Corruption(
            "UTF-8 BOM",
            t ->
                insert(
                    utf8(t.json("k", "v")),
                    0,
                    new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf})));
  }

  private static Arbitrary<Corruption> nulByte() {
    return Arbitraries.doubles()
        .between(0, 1)
        .map(
            where ->
                new Corruption(
                    "NUL byte", t -> insert(utf8(t.json("k", "v")), where, new byte[] {0})));
  }

  private static Arbitrary<Corruption> loneSurrogate() {
    Arbitrary<String> lone =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0xD800, 0xDFFF).map(c -> String.format("\\u%04x", c)),
            Arbitraries.of("\\ude00\\ud83d", "\\ud83d\\ud83d\\ude00x", "a\\uDBFF", "\\uDC00z"));
    return Combinators.combine(lone, Arbitraries.of(true, false))
        .as(
            (escape, inKey) ->
                new Corruption(
                    "lone surrogate " + escape + (inKey ? " in a member name" : " in a value"),
                    t -> utf8(inKey ? t.json(escape, "v") : t.json("k", escape))));
  }

  // --- framing faults ---

  /** A whole request whose framing is broken, and what is broken. */
  record Fault(String kind, byte[] request) {
    @Override
    public String toString() {
      return kind;
    }
  }

  @Provide
  Arbitrary<Fault> framingFaults() {
    Arbitrary<Target> target = Arbitraries.of(TARGETS);
    return Arbitraries.oneOf(
        Combinators.combine(target, badChunkSizes()).as(RawHttpFuzzTest::badChunk),
        Combinators.combine(target, Arbitraries.integers().between(5_000, 20_000))
            .as(
                (t, n) ->
                    new Fault(
                        "request line of " + n + " bytes",
                        RawHttp.request(
                            t.method()
                                + " "
                                + t.path()
                                + "?"
                                + "q".repeat(n)
                                + " HTTP/1.1\r\n"
                                + head(t),
                            body(t)))),
        Combinators.combine(
                target, Arbitraries.integers().between(9_000, 30_000), Arbitraries.of(true, false))
            .as(
                (t, n, one) ->
                    new Fault(
                        (one ? "one header" : "headers") + " of " + n + " bytes",
                        RawHttp.request(start(t) + bigHeaders(n, one) + head(t), body(t)))),
        Combinators.combine(target, badHeaderLines())
            .as(
                (t, line) ->
                    new Fault(
                        "header line " + printable(line),
                        RawHttp.request(start(t) + line + "\r\n" + head(t), body(t)))),
        Combinators.combine(target, badContentLengths())
            .as(
                (t, cl) ->
                    new Fault(
                        "content-length value " + cl,
                        RawHttp.request(
                            start(t)
                                + "host: x\r\ncontent-type: application/json\r\nconnection: close\r\n"
                                + "content-length: "
                                + cl
                                + "\r\n\r\n",
                            body(t)))),
        Combinators.combine(target, badRequestLines())
            .as(
                (t, line) ->
                    new Fault(
                        "request line " + printable(line),
                        RawHttp.request(line + "\r\n" + head(t), body(t)))),
        Combinators.combine(target, Arbitraries.of("HTTX/1.1", "HTTP/9.9", "HTTP/2.0", "FOO/1.0"))
            .as(
                (t, version) ->
                    new Fault(
                        UNKNOWN_VERSION + " " + version,
                        RawHttp.request(
                            t.method() + " " + t.path() + " " + version + "\r\n" + head(t),
                            body(t)))));
  }

  private static Arbitrary<String> badChunkSizes() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "zz", "-1", "0x10", "FFFFFFFFFFFFFFFFFFFF", "7fffffffffffffff1", "g", "1 2", "\u0001"),
        Arbitraries.strings()
            .withChars("ghijklmnopqrstuvwxyz!@#$%^&*()+=")
            .ofMinLength(1)
            .ofMaxLength(20));
  }

  private static Fault badChunk(Target t, String size) {
    byte[] data = body(t);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        (start(t)
                + "host: x\r\ncontent-type: application/json\r\nconnection: close\r\n"
                + "transfer-encoding: chunked\r\n\r\n"
                + size
                + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(data);
    out.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return new Fault("chunk size " + printable(size), out.toByteArray());
  }

  private static Arbitrary<String> badHeaderLines() {
    return Arbitraries.of(
        "no colon here",
        "x-name : space before the colon",
        " x-folded: leading whitespace",
        "x-ctl\u0001: control in the name",
        "x\u0000nul: nul in the name",
        "(bad): separators in the name",
        ": empty name",
        "x-value: control \u0000 in the value");
  }

  private static Arbitrary<String> badContentLengths() {
    return Arbitraries.of("abc", "-1", "1, 2", "99999999999999999999", "0x10", "1.5", "");
  }

  private static Arbitrary<String> badRequestLines() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "PUT /v1/clusters/shop/endpoints/intruder HTTP/1.1 extra",
            "PUT  HTTP/1.1",
            "PUT /v1/clusters/shop/endpoints/intruder HTTP/1.x",
            "P\u0000T /v1/clusters/shop/endpoints/intruder HTTP/1.1",
            "PUT /v1/clusters/shop/endpoints/\u0000 HTTP/1.1",
            "\u0001\u0002\u0003"),
        Arbitraries.strings()
            .withChars("!#$%&'*+-.^_`|~<>\"{}[]\\")
            .ofMinLength(1)
            .ofMaxLength(40));
  }

  private static String start(Target t) {
    return t.method() + " " + t.path() + " HTTP/1.1\r\n";
  }

  /** The rest of a head: a JSON content type, a length for {@link #body}, the blank line. */
  private static String head(Target t) {
    return "host: x\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: "
        + body(t).length
        + "\r\n\r\n";
  }

  private static byte[] body(Target t) {
    return utf8(t.json("k", "fuzz-v"));
  }

  private static String bigHeaders(int bytes, boolean one) {
    if (one) {
      return "x-big: " + "b".repeat(bytes) + "\r\n";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; out.length() < bytes; i++) {
      out.append("x-h").append(i).append(": ").append("h".repeat(100)).append("\r\n");
    }
    return out.toString();
  }

  // --- helpers ---

  private static RawHttp.Answer send(String method, String path, boolean chunked, byte[] body)
      throws Exception {
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n"
            + (body.length == 0 ? "" : "content-type: application/json\r\n")
            + (chunked
                ? "transfer-encoding: chunked\r\n\r\n" + Integer.toHexString(body.length) + "\r\n"
                : "content-length: " + body.length + "\r\n\r\n");
    byte[] request = RawHttp.request(head, body);
    if (chunked) {
      request = insert(request, 1.0, "\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    return RawHttp.exchange(server.port(), request);
  }

  /** What the server holds: the registry, and every published resource's version. */
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

  private static byte[] insert(byte[] text, double where, byte[] what) {
    int at = (int) Math.round(where * text.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(text, 0, at);
    out.writeBytes(what);
    out.write(text, at, text.length - at);
    return out.toByteArray();
  }

  private static byte[] insert(byte[] text, int at, byte[] what) {
    return insert(text, text.length == 0 ? 0 : (double) at / text.length, what);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(byte[] b) {
    StringBuilder out = new StringBuilder();
    for (byte x : b) {
      out.append(String.format("%02X", x));
    }
    return out.toString();
  }

  private static String printable(String s) {
    return io.loadeds.logging.ClientText.printable(s, 60);
  }
}
