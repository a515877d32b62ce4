package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.Test;

/**
 * Requests are parsed straight from the transport's buffer, whatever shape the buffer has: a slice
 * of a larger frame (as the gRPC deframer hands it over), several pieces, or a plain Vert.x buffer.
 */
class RequestParsingTest {
  private static final DiscoveryRequest REQUEST =
      DiscoveryRequest.newBuilder()
          .setNode(Node.newBuilder().setId("envoy-1").setCluster("edge"))
          .setTypeUrl("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment")
          .addResourceNames("svc-a")
          .addResourceNames("svc-b")
          .setVersionInfo("v1")
          .setResponseNonce("n7")
          .build();

  @Test
  void aSliceOfALargerFrameParsesAsItsOwnBytes() throws Exception {
    byte[] bytes = REQUEST.toByteArray();
    ByteBuf frame = Unpooled.buffer();
    frame.writeBytes(new byte[] {0, 1, 2, 3, 4}); // the gRPC prefix before the message
    frame.writeBytes(bytes);
    frame.writeBytes(new byte[] {9, 9, 9}); // the next message's first bytes
    Buffer payload = BufferInternal.buffer(frame.slice(5, bytes.length));

    assertThat(GrpcBinding.parse(DiscoveryRequest.parser(), payload)).isEqualTo(REQUEST);
  }

  @Test
  void aMessageInSeveralPiecesParsesWhole() throws Exception {
    byte[] bytes = REQUEST.toByteArray();
    CompositeByteBuf pieces = Unpooled.compositeBuffer();
    pieces.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, 7));
    pieces.addComponent(true, Unpooled.directBuffer().writeBytes(bytes, 7, bytes.length - 7));

    assertThat(GrpcBinding.parse(DiscoveryRequest.parser(), BufferInternal.buffer(pieces)))
        .isEqualTo(REQUEST);
    assertThat(GrpcBinding.parse(DiscoveryRequest.parser(), Buffer.buffer(bytes)))
        .isEqualTo(REQUEST);
  }

  @Test
  void garbageIsRefusedWithProtobufsReason() {
    Buffer garbage = Buffer.buffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});

    assertThatThrownBy(() -> GrpcBinding.parse(DiscoveryRequest.parser(), garbage))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }
}
