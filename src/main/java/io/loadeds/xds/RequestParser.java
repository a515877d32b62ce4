package io.loadeds.xds;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Parses the requests of one xDS method from the transport's buffer, in full or without their
 * {@code node}. Stateless and thread-safe; one per bound method.
 *
 * <p>Why without the node: a stream's identity is the node of its first request, and every later
 * node is ignored (the xDS protocol lets clients omit it). Envoy still sends its whole node in
 * every request unless {@code set_node_on_first_message_only} is set: id, metadata, build version
 * and a list of a few hundred extensions, tens of kilobytes, with every ACK. Decoded, that is
 * hundreds of objects per ACK, times every stream a change wakes. Skipping it reads only the field
 * lengths; what the request says besides is parsed as before. Inside a skipped node only the
 * framing is checked.
 */
public final class RequestParser<Q extends Message> {
  private final Q prototype;
  private final Parser<Q> parser;
  private final int nodeField; // 0: the type has no node
  private final String typeName;

  /** The parser of requests of {@code prototype}'s type (its default instance). */
  @SuppressWarnings("unchecked")
  public RequestParser(Q prototype) {
    this.prototype = prototype;
    this.parser = (Parser<Q>) prototype.getParserForType();
    FieldDescriptor node = prototype.getDescriptorForType().findFieldByName("node");
    this.nodeField = node == null ? 0 : node.getNumber();
    this.typeName = prototype.getDescriptorForType().getName();
  }

  /** What a stream is told when a request does not parse. */
  String failure(Throwable e) {
    return "not a " + typeName + ": " + e.getMessage();
  }

  /**
   * Parses the whole request. The parsed message holds no reference to the buffer (protobuf copies
   * out what it keeps unless aliasing is asked for), so Vert.x's copy of every message into a new
   * array is not needed: with a thousand streams ACKing each change, those copies were an eighth of
   * the server's allocation.
   */
  public Q parse(Buffer payload) throws InvalidProtocolBufferException {
    return parser.parseFrom(bytes(payload));
  }

  /** Parses the request as if it carried no {@code node}. */
  public Q parseWithoutNode(Buffer payload) throws InvalidProtocolBufferException {
    ByteBuffer bytes = bytes(payload);
    if (nodeField == 0) {
      return parser.parseFrom(bytes);
    }
    try {
      return parseWithoutNode(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      // Reading from memory: only a malformed message gets here.
      throw new InvalidProtocolBufferException(e);
    }
  }

  private Q parseWithoutNode(ByteBuffer bytes) throws IOException {
    // A message is the concatenation of its fields, and parsing concatenated pieces merges them:
    // the pieces between node fields are parsed, the node fields only stepped over.
    CodedInputStream in = CodedInputStream.newInstance(bytes.duplicate());
    Message.Builder builder = null;
    int pieceStart = 0;
    while (true) {
      int fieldStart = in.getTotalBytesRead();
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      in.skipField(tag);
      if (WireFormat.getTagFieldNumber(tag) == nodeField) {
        builder = merge(builder, bytes, pieceStart, fieldStart);
        pieceStart = in.getTotalBytesRead();
      }
    }
    if (builder == null) {
      return parser.parseFrom(bytes); // no node: one piece
    }
    builder = merge(builder, bytes, pieceStart, in.getTotalBytesRead());
    @SuppressWarnings("unchecked")
    Q request = (Q) builder.build();
    return request;
  }

  private Message.Builder merge(Message.Builder builder, ByteBuffer bytes, int from, int to)
      throws IOException {
    Message.Builder b = builder == null ? prototype.newBuilderForType() : builder;
    if (to > from) {
      ByteBuffer piece = bytes.duplicate();
      piece.position(bytes.position() + from).limit(bytes.position() + to);
      b.mergeFrom(CodedInputStream.newInstance(piece.slice()));
    }
    return b;
  }

  private static ByteBuffer bytes(Buffer payload) {
    if (payload instanceof BufferInternal internal) {
      return internal.getByteBuf().nioBuffer();
    }
    return ByteBuffer.wrap(payload.getBytes());
  }
}
