package io.loadeds.admin;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.loadeds.grpc.LastMessageRelease;
import io.loadeds.logging.ClientText;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.io.IOException;
import java.util.Set;

/**
 * The standard gRPC health service, {@code grpc.health.v1.Health} ({@code Check} and {@code
 * Watch}), on the xDS port: SERVING while {@link Readiness} says ready, NOT_SERVING otherwise; the
 * overall server ({@code ""}) and every service name it is given (xDS, and ext_proc with its
 * processors) are known, any other name is NOT_FOUND ({@code Check}) or SERVICE_UNKNOWN ({@code
 * Watch}). {@code Watch} sends each change of status and ends with UNAVAILABLE when shutdown
 * starts.
 *
 * <p>The two messages are encoded by hand with protobuf's coded streams: their generated classes
 * ship only in grpc-java's {@code grpc-services} (neither the Envoy API jar nor protobuf-java holds
 * {@code grpc/health/v1/health.proto}), and the server must not depend on grpc-java at run time.
 * {@code HealthCheckRequest} is {@code string service = 1}; {@code HealthCheckResponse} is {@code
 * ServingStatus status = 1} (SERVING = 1, NOT_SERVING = 2), i.e. two bytes on the wire.
 *
 * <p>Stateless apart from the shared readiness; {@link #bind} is called once per event loop. Each
 * Watch stream keeps its state on the context of its call.
 */
public final class GrpcHealth {
  /** The gRPC service name. */
  public static final String SERVICE = "grpc.health.v1.Health";

  /** The path of the {@code Check} method, as a gRPC request names it. */
  public static final String CHECK_PATH = "/" + SERVICE + "/Check";

  private static final int SERVING = 1;
  private static final int NOT_SERVING = 2;
  private static final int SERVICE_UNKNOWN = 3;

  private final Readiness readiness;
  private final Set<String> services;

  /**
   * @param services the service names answered besides {@code ""} and the health service itself
   */
  public GrpcHealth(Readiness readiness, Set<String> services) {
    this.readiness = readiness;
    this.services = Set.copyOf(services);
  }

  /** Registers {@code Check} and {@code Watch} on {@code server}. */
  public void bind(GrpcServer server) {
    server.callHandler(method("Check"), call -> call.handler(first(call, req -> check(call, req))));
    server.callHandler(method("Watch"), call -> call.handler(first(call, req -> watch(call, req))));
  }

  /**
   * Both methods take one request; a client that sends more must not answer (or watch) twice. The
   * flag is confined to the call's context. Vert.x keeps the last message of a call for as long as
   * the call is open, and a Watch stays open as long as its client likes: with requests of up to
   * {@code xds.maxMessageBytes} each, idle watches could hold gigabytes, so it is let go at once.
   */
  private static Handler<Buffer> first(
      GrpcServerRequest<Buffer, Buffer> call, Handler<Buffer> handler) {
    boolean[] seen = {false};
    return req -> {
      LastMessageRelease.clear(call);
      if (!seen[0]) {
        seen[0] = true;
        handler.handle(req);
      }
    };
  }

  private static ServiceMethod<Buffer, Buffer> method(String name) {
    return ServiceMethod.server(
        ServiceName.create(SERVICE),
        name,
        GrpcMessageEncoder.IDENTITY,
        GrpcMessageDecoder.IDENTITY);
  }

  private void check(GrpcServerRequest<Buffer, Buffer> call, Buffer request) {
    String service = serviceOf(request);
    if (service == null) {
      call.response()
          .status(GrpcStatus.INVALID_ARGUMENT)
          .statusMessage("not a grpc.health.v1.HealthCheckRequest")
          .end();
    } else if (!known(service)) {
      call.response()
          .status(GrpcStatus.NOT_FOUND)
          .statusMessage("unknown service " + ClientText.printable(service))
          .end();
    } else {
      call.response().end(response(status()));
    }
  }

  /**
   * Sends the current status, then a new message on every change of it (NOT_SERVING while starting
   * or warming up, SERVING when ready, NOT_SERVING when shutdown starts), and ends the stream with
   * UNAVAILABLE when shutdown starts, so a watching client turns to another instance at once
   * instead of waiting for the connection to close after the grace.
   */
  private void watch(GrpcServerRequest<Buffer, Buffer> call, Buffer request) {
    String service = serviceOf(request);
    if (service == null) {
      call.response()
          .status(GrpcStatus.INVALID_ARGUMENT)
          .statusMessage("not a grpc.health.v1.HealthCheckRequest")
          .end();
      return;
    }
    new Watcher(call, known(service)).start();
  }

  /**
   * One Watch stream. Confined to the context of its call: phase changes, heard on whichever thread
   * made them, hop there before they touch the stream.
   */
  private final class Watcher {
    private final GrpcServerRequest<Buffer, Buffer> call;
    // Whether the service is known, not its name: the name can be megabytes, and the set of known
    // services does not change while the server runs.
    private final boolean known;
    private final Context context = Vertx.currentContext();
    private Readiness.Phase seen;
    private int sent = -1;
    private boolean over;
    private Runnable stopListening = () -> {};

    Watcher(GrpcServerRequest<Buffer, Buffer> call, boolean known) {
      this.call = call;
      this.known = known;
    }

    void start() {
      // A client that cancels, or a connection that closes, ends the watch: stop listening.
      call.errorHandler(error -> release());
      call.exceptionHandler(err -> release());
      call.response().exceptionHandler(err -> release());
      stopListening = readiness.onChange(phase -> context.runOnContext(v -> update(phase)));
      // Read after registering: a change made meanwhile is then either read here or heard.
      update(readiness.phase());
    }

    private void update(Readiness.Phase phase) {
      // Phases only move forward; a change heard late (older than what was read) is no news.
      if (over || (seen != null && phase.compareTo(seen) <= 0)) {
        return;
      }
      seen = phase;
      // Per the health protocol, Watch of an unknown service answers SERVICE_UNKNOWN, not an error.
      int status =
          !known ? SERVICE_UNKNOWN : phase == Readiness.Phase.READY ? SERVING : NOT_SERVING;
      if (status != sent) {
        sent = status;
        call.response().write(response(status));
      }
      if (phase == Readiness.Phase.CLOSING) {
        release();
        call.response()
            .status(GrpcStatus.UNAVAILABLE)
            .statusMessage("server shutting down; watch another instance")
            .end();
      }
    }

    private void release() {
      over = true;
      stopListening.run();
    }
  }

  private boolean known(String service) {
    return service.isEmpty() || service.equals(SERVICE) || services.contains(service);
  }

  private int status() {
    return readiness.isReady() ? SERVING : NOT_SERVING;
  }

  /** The {@code service} field of a HealthCheckRequest, or null when it is not one. */
  static String serviceOf(Buffer request) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(request.getBytes());
      String service = "";
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | 2)) {
          service = in.readStringRequireUtf8();
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      return service;
    } catch (IOException e) {
      return null;
    }
  }

  /** A HealthCheckResponse with {@code status}. */
  static Buffer response(int status) {
    byte[] bytes = new byte[CodedOutputStream.computeEnumSize(1, status)];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeEnum(1, status);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a fixed two-byte message", e);
    }
    return Buffer.buffer(bytes);
  }
}
