package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.loadeds.bench.EnvoyNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.ByteArrayOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Requests are parsed straight from the transport's buffer, whatever shape the buffer has (a slice
 * of a larger frame, as the gRPC deframer hands it over, several pieces, or a plain Vert.x buffer),
 * and a request parsed without its node is the same request less the node, wherever and however
 * often the node appears in its bytes.
 */
class RequestParsingTest {
  private static final RequestParser<DiscoveryRequest> SOTW =
      new RequestParser<>(DiscoveryRequest.getDefaultInstance());

  private static final DiscoveryRequest REQUEST =
      DiscoveryRequest.newBuilder()
          .setNode(Node.newBuilder().setId("envoy-1").setCluster("edge"))
          .setTypeUrl("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment")
          .addResourceNames("svc-a")
          .addResourceNames("svc-b")
          .setVersionInfo("v1")
          .setResponseNonce("n7")
          .build();

  @Example
  void aSliceOfALargerFrameParsesAsItsOwnBytes() throws Exception {
    byte[] bytes = REQUEST.toByteArray();
    ByteBuf frame = Unpooled.buffer();
    frame.writeBytes(new byte[] {0, 1, 2, 3, 4}); // the gRPC prefix before the message
    frame.writeBytes(bytes);
    frame.writeBytes(new byte[] {9, 9, 9}); // the next message's first bytes
    Buffer payload = BufferInternal.buffer(frame.slice(5, bytes.length));

    assertThat(SOTW.parse(payload)).isEqualTo(REQUEST);
    assertThat(SOTW.parseWithoutNode(payload)).isEqualTo(REQUEST.toBuilder().clearNode().build());
  }

  @Example
  void aMessageInSeveralPiecesParsesWhole() throws Exception {
    byte[] bytes = REQUEST.toByteArray();
    CompositeByteBuf pieces = Unpooled.compositeBuffer();
    pieces.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, 7));
    pieces.addComponent(true, Unpooled.directBuffer().writeBytes(bytes, 7, bytes.length - 7));

    assertThat(SOTW.parse(BufferInternal.buffer(pieces))).isEqualTo(REQUEST);
    assertThat(SOTW.parse(Buffer.buffer(bytes))).isEqualTo(REQUEST);
    assertThat(SOTW.parseWithoutNode(BufferInternal.buffer(pieces)))
        .isEqualTo(REQUEST.toBuilder().clearNode().build());
  }

  @Example
  void garbageIsRefusedWithProtobufsReason() {
    Buffer garbage = Buffer.buffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});

    assertThatThrownBy(() -> SOTW.parse(garbage))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> SOTW.parseWithoutNode(garbage))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Example
  void aNodeLongerThanTheRequestIsRefused() {
    // Field 2 (node) announcing 100 bytes where the message has only 3 more.
    byte[] cut = {0x12, 100, 0x0a, 0x01, 0x31};
    assertThatThrownBy(() -> SOTW.parseWithoutNode(Buffer.buffer(cut)))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Example
  void onlyTheNodesFramingIsChecked() throws Exception {
    // A node whose content is not a Node: parsed in full it is refused, skipped it is not read.
    byte[] badNode = {0x12, 3, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    byte[] bytes = concat(REQUEST.toBuilder().clearNode().build().toByteArray(), badNode);

    assertThatThrownBy(() -> SOTW.parse(Buffer.buffer(bytes)))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThat(SOTW.parseWithoutNode(Buffer.buffer(bytes)))
        .isEqualTo(REQUEST.toBuilder().clearNode().build());
  }

  @Example
  void typesWhoseNodeIsTheFirstFieldLoseItToo() throws Exception {
    Node node = EnvoyNode.of("envoy-2", 40);
    DeltaDiscoveryRequest delta =
        DeltaDiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl("t")
            .addResourceNamesSubscribe("svc-a")
            .setResponseNonce("3")
            .build();
    LoadStatsRequest lrs = LoadStatsRequest.newBuilder().setNode(node).build();

    assertThat(
            new RequestParser<>(DeltaDiscoveryRequest.getDefaultInstance())
                .parseWithoutNode(Buffer.buffer(delta.toByteArray())))
        .isEqualTo(delta.toBuilder().clearNode().build());
    assertThat(
            new RequestParser<>(LoadStatsRequest.getDefaultInstance())
                .parseWithoutNode(Buffer.buffer(lrs.toByteArray())))
        .isEqualTo(LoadStatsRequest.getDefaultInstance());
  }

  /**
   * Any request, split in two at any field boundary, with a node in front, between or after (or two
   * nodes): a protobuf message may hold its fields in any order and a singular field more than
   * once, and Envoy's encoder is not the only one on the wire.
   */
  @Property(tries = 500)
  void withoutItsNodeARequestIsTheSameLessTheNode(
      @ForAll("requests") DiscoveryRequest request,
      @ForAll("nodes") Node first,
      @ForAll("nodes") Node second,
      @ForAll("layouts") int layout)
      throws Exception {
    byte[] rest = request.toBuilder().clearNode().build().toByteArray();
    byte[] a = DiscoveryRequest.newBuilder().setNode(first).build().toByteArray();
    byte[] b = DiscoveryRequest.newBuilder().setNode(second).build().toByteArray();
    DiscoveryRequest withoutVersion = request.toBuilder().clearNode().clearVersionInfo().build();
    byte[] version =
        DiscoveryRequest.newBuilder()
            .setVersionInfo(request.getVersionInfo())
            .build()
            .toByteArray();
    byte[] bytes =
        switch (layout) {
          case 0 -> rest;
          case 1 -> concat(a, rest);
          case 2 -> concat(rest, a);
          case 3 -> concat(version, a, withoutVersion.toByteArray());
          default -> concat(a, version, b, withoutVersion.toByteArray(), a);
        };

    DiscoveryRequest whole = SOTW.parse(Buffer.buffer(bytes));
    assertThat(SOTW.parseWithoutNode(Buffer.buffer(bytes)))
        .isEqualTo(whole.toBuilder().clearNode().build());
    assertThat(whole.toBuilder().clearNode().build())
        .isEqualTo(request.toBuilder().clearNode().build());
  }

  @Provide
  Arbitrary<DiscoveryRequest> requests() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(30);
    return Combinators.combine(
            text, text.list().ofMaxSize(20), text, text, Arbitraries.integers().between(0, 16))
        .as(
            (version, names, type, nonce, code) -> {
              DiscoveryRequest.Builder r =
                  DiscoveryRequest.newBuilder()
                      .setVersionInfo(version)
                      .addAllResourceNames(names)
                      .setTypeUrl(type)
                      .setResponseNonce(nonce);
              if (code > 0) {
                r.getErrorDetailBuilder().setCode(code).setMessage(nonce);
              }
              return r.build();
            });
  }

  @Provide
  Arbitrary<Node> nodes() {
    return Combinators.combine(
            Arbitraries.strings().alpha().ofMaxLength(20), Arbitraries.integers().between(0, 50))
        .as(EnvoyNode::of);
  }

  @Provide
  Arbitrary<Integer> layouts() {
    return Arbitraries.integers().between(0, 4);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
