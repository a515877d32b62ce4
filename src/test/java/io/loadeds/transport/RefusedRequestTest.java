package io.loadeds.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.registry.ClusterView;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.Responses;
import io.loadeds.xds.TestServer;
import io.loadeds.xds.XdsStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A refused request has no side effect: a malformed body that, read leniently, would take over a
 * registered endpoint's address (and so remove that endpoint), change a load report or replace a
 * service's hosts leaves every registration, the REST views and an open xDS stream as they were.
 * The stream's next response is the one caused by a valid change made afterwards, so nothing was
 * pushed in between.
 */
class RefusedRequestTest {
  private static final int S1 = 9001;
  private static final int S2 = 9002;

  private TestServer server;
  private XdsStream ads;
  private DiscoveryResponse first;

  /** A refused request: what it is, and its bytes. */
  record Refused(String what, byte[] request) {
    @Override
    public String toString() {
      return what;
    }
  }

  @BeforeEach
  void start() {
    server = TestServer.start();
    server.register("shop", "s1", S1);
    server.register("shop", "s2", S2);
    server.awaitEndpoints("shop", 2);
    ads =
        new XdsStream(
            AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
    first = ads.subscribe(ResourceType.ENDPOINT, "shop");
    assertThat(Responses.ports(Responses.assignment(first))).containsExactlyInAnyOrder(S1, S2);
    ads.ack(first, "shop");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  static List<Refused> refusedRequests() {
    String takeover = "{\"address\":\"127.0.0.1\",\"port\":" + S1 + ",\"metadata\":{\"k\":\"V\"}}";
    String report = "{\"active\":10,\"metadata\":{\"k\":\"V\"}}";
    String hosts =
        "{\"hosts\":[{\"ip_address\":\"127.0.0.1\",\"port\":" + S1 + ",\"tags\":{\"az\":\"V\"}}]}";
    String put = "PUT /v1/clusters/shop/endpoints/intruder";
    String patch = "PATCH /v1/clusters/shop/endpoints/s2";
    String compat = "POST /edsservice/shop";
    return List.of(
        body(put, "lone surrogate escape", utf8(takeover.replace("V", "\\ud800"))),
        body(
            put,
            "lone surrogate escape in a member name",
            utf8(takeover.replace("\"k\"", "\"\\udfff\""))),
        body(put, "UTF-16LE", takeover.replace("V", "v").getBytes(StandardCharsets.UTF_16LE)),
        body(put, "UTF-16 with BOM", takeover.replace("V", "v").getBytes(StandardCharsets.UTF_16)),
        body(
            put,
            "UTF-8 BOM",
            concat(
                new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
                utf8(takeover.replace("V", "v")))),
        body(put, "overlong UTF-8", withBytes(takeover, 0xc0, 0xaf)),
        body(put, "encoded surrogate", withBytes(takeover, 0xed, 0xa0, 0x80)),
        body(put, "beyond U+10FFFF", withBytes(takeover, 0xf4, 0x90, 0x80, 0x80)),
        body(put, "NUL byte", withBytes(takeover, 0x00)),
        body(patch, "lone surrogate escape", utf8(report.replace("V", "\\udc00"))),
        body(
            patch,
            "UTF-32BE",
            report.replace("V", "v").getBytes(java.nio.charset.Charset.forName("UTF-32BE"))),
        body(compat, "lone surrogate escape", utf8(hosts.replace("V", "\\ud83d"))),
        body(compat, "overlong UTF-8", withBytes(hosts, 0xe0, 0x80, 0xaf)),
        new Refused(
            put + " with an invalid chunk size",
            RawHttp.request(
                put
                    + " HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "transfer-encoding: chunked\r\n\r\nzz\r\n",
                utf8(takeover.replace("V", "v") + "\r\n0\r\n\r\n"))),
        new Refused(
            put + " with a header line without a name",
            RawHttp.request(
                put
                    + " HTTP/1.1\r\nhost: x\r\n: v\r\ncontent-type: application/json\r\n"
                    + "content-length: "
                    + takeover.length()
                    + "\r\n\r\n",
                utf8(takeover.replace("V", "v")))));
  }

  @ParameterizedTest
  @MethodSource("refusedRequests")
  void aRefusedRequestLeavesRegistrationsAndStreamsUntouched(Refused refused) throws Exception {
    List<ClusterView> registry = server.registry().clusters();
    RawHttp.Answer viewBefore = get("/v1/clusters/shop");

    RawHttp.Answer answer = RawHttp.exchange(server.port(), refused.request());

    assertThat(answer.status()).as(answer.raw()).isEqualTo(400);
    assertThat(answer.contentType()).isEqualTo("application/problem+json");
    assertThat(server.registry().clusters()).isEqualTo(registry);
    assertThat(get("/v1/clusters/shop").body()).isEqualTo(viewBefore.body());
    assertThat(get("/edsservice/shop").status()).as("no service was created").isEqualTo(404);

    // A valid change now: the stream's next response must be the one it causes, with s1 and s2
    // as they were. Had the refused request changed anything, that change would come first.
    server.register("shop", "s3", 9003);
    DiscoveryResponse next = ads.next();
    assertThat(next.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
    ClusterLoadAssignment cla = Responses.assignment(next);
    assertThat(Responses.ports(cla)).containsExactlyInAnyOrder(S1, S2, 9003);
    assertThat(cla.getEndpoints(0).getLbEndpointsList())
        .filteredOn(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue() != 9003)
        .containsExactlyInAnyOrderElementsOf(
            Responses.assignment(first).getEndpoints(0).getLbEndpointsList());
    ads.ack(next, "shop");
    ads.assertNothingWithin(Duration.ofMillis(200));
  }

  private RawHttp.Answer get(String path) throws Exception {
    return RawHttp.exchange(
        server.port(), utf8("GET " + path + " HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"));
  }

  private static Refused body(String methodAndPath, String what, byte[] body) {
    return new Refused(
        methodAndPath + " " + what,
        RawHttp.request(
            methodAndPath
                + " HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\n"
                + "content-length: "
                + body.length
                + "\r\n\r\n",
            body));
  }

  /** {@code json} (its V placeholder filled) with {@code bytes} in place of the placeholder. */
  private static byte[] withBytes(String json, int... bytes) {
    byte[] raw = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      raw[i] = (byte) bytes[i];
    }
    String[] parts = json.split("V", 2);
    return concat(utf8(parts[0]), raw, utf8(parts[1]));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
