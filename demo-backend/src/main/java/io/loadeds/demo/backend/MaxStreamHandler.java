package io.loadeds.demo.backend;

import io.loadeds.demo.math.Request;
import io.loadeds.demo.math.Response;
import io.vertx.core.Handler;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;

/**
 * Serves {@code protobuf.Math/Max} streams: for each number received it answers the running maximum
 * whenever the maximum grows, and it ends its side when the client half-closes.
 *
 * <p>Every stream first passes the {@link StreamGate}: a stream over capacity is refused at once
 * with {@code RESOURCE_EXHAUSTED}, one arriving during shutdown with {@code UNAVAILABLE} (both
 * retryable by Envoy's retry policy). Every answer, refusals included, carries the {@value
 * #BACKEND_ID_HEADER} header so that clients can tell which backend served or refused them.
 *
 * <p>Threading: called on the backend verticle's event-loop context, like the gate it shares.
 */
public final class MaxStreamHandler implements Handler<GrpcServerRequest<Request, Response>> {

  /** The response header naming the backend that served the stream. */
  public static final String BACKEND_ID_HEADER = "x-backend-id";

  private final String backendId;
  private final StreamGate gate;

  public MaxStreamHandler(String backendId, StreamGate gate) {
    this.backendId = backendId;
    this.gate = gate;
  }

  @Override
  public void handle(GrpcServerRequest<Request, Response> request) {
    GrpcServerResponse<Request, Response> response = request.response();
    response.headers().set(BACKEND_ID_HEADER, backendId);
    switch (gate.tryAdmit()) {
      case FULL ->
          refuse(
              response,
              GrpcStatus.RESOURCE_EXHAUSTED,
              "backend "
                  + backendId
                  + " is full: "
                  + gate.active()
                  + "/"
                  + gate.capacity()
                  + " streams active");
      case DRAINING ->
          refuse(response, GrpcStatus.UNAVAILABLE, "backend " + backendId + " is shutting down");
      case ADMITTED -> serve(request, response);
    }
  }

  private static void refuse(
      GrpcServerResponse<Request, Response> response, GrpcStatus status, String message) {
    // Ending the response first sends a trailers-only answer; no message of the request is read.
    response.status(status).statusMessage(message).end();
  }

  private void serve(
      GrpcServerRequest<Request, Response> request,
      GrpcServerResponse<Request, Response> response) {
    StreamSlot slot = new StreamSlot(gate);
    RunningMax max = new RunningMax();
    request.handler(
        msg -> {
          if (max.offer(msg.getNum())) {
            response.write(Response.newBuilder().setResult(max.value()).build());
            if (response.writeQueueFull()) {
              // Back pressure: stop reading until the client has taken our answers.
              request.pause();
              response.drainHandler(v -> request.resume());
            }
          }
        });
    request.endHandler(v -> response.end().onComplete(ar -> slot.release()));
    // A stream can also end by a reset, a cancel or a closed connection: each path frees the slot
    // once, whichever comes first.
    request.exceptionHandler(err -> slot.release());
    request.errorHandler(err -> slot.release());
    response.exceptionHandler(err -> slot.release());
  }

  /** One admitted stream's hold on the gate, released at most once. */
  private static final class StreamSlot {
    private final StreamGate gate;
    private boolean released;

    StreamSlot(StreamGate gate) {
      this.gate = gate;
    }

    void release() {
      if (!released) {
        released = true;
        gate.release();
      }
    }
  }

  /** The running maximum of one stream. */
  static final class RunningMax {
    private boolean seen;
    private int value;

    /** Takes a number; true when it raised the maximum (the first number always does). */
    boolean offer(int num) {
      if (seen && num <= value) {
        return false;
      }
      seen = true;
      value = num;
      return true;
    }

    int value() {
      return value;
    }
  }
}
