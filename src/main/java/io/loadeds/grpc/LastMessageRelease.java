package io.loadeds.grpc;

import io.vertx.grpc.server.GrpcServerRequest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Lets go of the message Vert.x's gRPC server keeps for a stream after delivering it.
 *
 * <p>A Vert.x gRPC read stream remembers the last message it delivered, for {@code last()}, which a
 * unary call uses and a streaming call never does. Envoy sends its node in every xDS request unless
 * told otherwise, and a real Envoy's node lists its extensions: tens of KB. Each open xDS stream so
 * kept its last request and the buffer it was read into: with a 36 KB node, 66 KB per stream, ten
 * times all else the stream costs. An ext_proc exchange kept a buffered body until the next phase
 * arrived. Vert.x has no option for it: this clears the field (private, in an internal class) as
 * soon as the message is delivered. The xDS, LRS, ext_proc and health handlers call it first thing.
 *
 * <p>If a Vert.x upgrade renames or moves the field, nothing is cleared, the server is as correct
 * as before and only larger (a warning says so, once, at the first message), and {@code
 * StreamFootprintTest} fails. Stateless; {@link #clear} runs on the stream's context, where Vert.x
 * writes the field.
 */
public final class LastMessageRelease {
  private static final System.Logger LOG = System.getLogger(LastMessageRelease.class.getName());
  private static final String OWNER = "io.vertx.grpc.common.impl.GrpcReadStreamBase";
  private static final String FIELD = "last";
  // Null when the field is not there: then nothing is cleared.
  private static final Class<?> OWNER_CLASS;
  private static final VarHandle LAST;

  static {
    Class<?> owner = null;
    VarHandle last = null;
    try {
      owner = Class.forName(OWNER, false, LastMessageRelease.class.getClassLoader());
      last =
          MethodHandles.privateLookupIn(owner, MethodHandles.lookup())
              .findVarHandle(owner, FIELD, owner.getDeclaredField(FIELD).getType());
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      owner = null;
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot let go of the last message Vert.x keeps per gRPC stream ({0}): each stream"
              + " holds a copy of its last message",
          e.toString());
    }
    OWNER_CLASS = owner;
    LAST = last;
  }

  private LastMessageRelease() {}

  /** Forgets the message {@code request} delivered last; Vert.x sets it again on the next one. */
  public static void clear(GrpcServerRequest<?, ?> request) {
    if (LAST != null && OWNER_CLASS.isInstance(request)) {
      LAST.set(request, null);
    }
  }
}
