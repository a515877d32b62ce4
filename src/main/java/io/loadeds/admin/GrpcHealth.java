package io.loadeds.admin;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
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
 * overall server ({@code ""}) and every xDS service name are known, any other name is NOT_FOUND.
 *
 * <p>The two messages are encoded by hand with protobuf's coded streams: their generated classes
 * ship only in grpc-java's {@code grpc-services} (neither the Envoy API jar nor protobuf-java holds
 * {@code grpc/health/v1/health.proto}), and the server must not depend on grpc-java at run time.
 * {@code HealthCheckRequest} is {@code string service = 1}; {@code HealthCheckResponse} is {@code
 * ServingStatus status = 1} (SERVING = 1, NOT_SERVING = 2), i.e. two bytes on the wire.
 *
 * <p>Stateless apart from the shared readiness; {@link #bind} is called once per event loop.
 */
public final class GrpcHealth {
  static final String SERVICE = "grpc.health.v1.Health";
  private static final int SERVING = 1;
  private static final int NOT_SERVING = 2;

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
    server.callHandler(method("Check"), call -> call.handler(req -> check(call, req)));
    server.callHandler(method("Watch"), call -> call.handler(req -> watch(call, req)));
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
      call.response().status(GrpcStatus.INVALID_ARGUMENT).end();
    } else if (!known(service)) {
      call.response()
          .status(GrpcStatus.NOT_FOUND)
          .statusMessage("unknown service " + service)
          .end();
    } else {
      call.response().end(response(status()));
    }
  }

  /**
   * Sends the current status and keeps the stream open; it ends when the connection closes at
   * shutdown, which a watching client reads as "not serving" and retries.
   */
  private void watch(GrpcServerRequest<Buffer, Buffer> call, Buffer request) {
    String service = serviceOf(request);
    if (service == null) {
      call.response().status(GrpcStatus.INVALID_ARGUMENT).end();
      return;
    }
    // Per the health protocol, Watch of an unknown service answers SERVICE_UNKNOWN (3), not an
    // error.
    call.response().write(response(known(service) ? status() : 3));
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
