package io.loadeds.demo.backend;

import io.loadeds.demo.math.MathGrpcClient;
import io.loadeds.demo.math.Request;
import io.loadeds.demo.math.Response;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One {@code Max} stream opened by a test with Vert.x's gRPC client, recording what comes back.
 *
 * <p>Threading: callbacks run on the client's event loop; the fields are volatile or concurrent,
 * read by the test thread.
 */
final class MaxCall {

  private final GrpcClientRequest<Request, Response> request;
  final List<Integer> results = new CopyOnWriteArrayList<>();
  volatile String backendId;
  volatile GrpcStatus status;
  volatile String statusMessage;
  volatile Throwable failure;

  private MaxCall(GrpcClientRequest<Request, Response> request) {
    this.request = request;
  }

  /** Opens a stream to 127.0.0.1:{@code port}; the first number sends the stream's headers. */
  static MaxCall open(GrpcClient client, int port, int firstNum) throws Exception {
    GrpcClientRequest<Request, Response> req =
        client
            .request(SocketAddress.inetSocketAddress(port, "127.0.0.1"), MathGrpcClient.Max)
            .await(10, TimeUnit.SECONDS);
    MaxCall call = new MaxCall(req);
    req.response()
        .onSuccess(
            resp -> {
              call.backendId = resp.headers().get(MaxStreamHandler.BACKEND_ID_HEADER);
              resp.handler(r -> call.results.add(r.getResult()));
              resp.exceptionHandler(err -> call.failure = err);
              resp.endHandler(
                  v -> {
                    call.statusMessage = resp.statusMessage();
                    call.status = resp.status();
                  });
            })
        .onFailure(err -> call.failure = err);
    req.write(Request.newBuilder().setNum(firstNum).build());
    return call;
  }

  void send(int num) {
    request.write(Request.newBuilder().setNum(num).build());
  }

  /** Half-closes: the backend then ends the stream with OK. */
  void finish() {
    request.end();
  }

  /** Resets the stream, as a client that goes away does. */
  void cancel() {
    request.cancel();
  }

  boolean ended() {
    return status != null || failure != null;
  }
}
