package io.loadeds.demo.client;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.loadeds.demo.math.MathGrpc;
import io.loadeds.demo.math.Request;
import io.loadeds.demo.math.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A grpc-java Math server on a free loopback port standing in for Envoy and its backends: it names
 * a backend per stream in {@code x-backend-id} (round robin over {@code backendIds}), refuses
 * streams over {@code capacity} with {@code RESOURCE_EXHAUSTED} like the demo backend, and can fail
 * every stream after its first answer.
 *
 * <p>Threading: thread-safe; grpc-java calls it from its executor.
 */
final class TestMathServer implements AutoCloseable {

  private static final Metadata.Key<String> BACKEND =
      Metadata.Key.of("x-backend-id", Metadata.ASCII_STRING_MARSHALLER);

  private final List<String> backendIds;
  private final int capacity;
  private final boolean failAfterFirstAnswer;
  private final AtomicInteger nextBackend = new AtomicInteger();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final Server server;

  TestMathServer(List<String> backendIds, int capacity, boolean failAfterFirstAnswer)
      throws Exception {
    this.backendIds = backendIds;
    this.capacity = capacity;
    this.failAfterFirstAnswer = failAfterFirstAnswer;
    this.server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(ServerInterceptors.intercept(new MaxService(), new Gate()))
            .build()
            .start();
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  int active() {
    return active.get();
  }

  int refused() {
    return refused.get();
  }

  int answered() {
    return answered.get();
  }

  int completed() {
    return completed.get();
  }

  int failed() {
    return failed.get();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Names the backend of each stream and enforces the capacity, as the demo backend does. */
  private final class Gate implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String id = backendIds.get(Math.floorMod(nextBackend.getAndIncrement(), backendIds.size()));
      if (active.incrementAndGet() > capacity) {
        active.decrementAndGet();
        refused.incrementAndGet();
        Metadata trailers = new Metadata();
        trailers.put(BACKEND, id);
        call.close(Status.RESOURCE_EXHAUSTED.withDescription(id + " is full"), trailers);
        return new ServerCall.Listener<>() {};
      }
      AtomicBoolean released = new AtomicBoolean();
      Runnable release =
          () -> {
            if (released.compareAndSet(false, true)) {
              active.decrementAndGet();
            }
          };
      ServerCall<Q, R> named =
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              responseHeaders.put(BACKEND, id);
              super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
              release.run();
              super.close(status, trailers);
            }
          };
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(named, headers)) {
        @Override
        public void onCancel() {
          release.run();
          super.onCancel();
        }
      };
    }
  }

  private final class MaxService extends MathGrpc.MathImplBase {
    @Override
    public StreamObserver<Request> max(StreamObserver<Response> responses) {
      return new StreamObserver<>() {
        private boolean seen;
        private int max;
        private boolean failed;

        @Override
        public void onNext(Request request) {
          if (failed) {
            return;
          }
          if (!seen || request.getNum() > max) {
            seen = true;
            max = request.getNum();
            responses.onNext(Response.newBuilder().setResult(max).build());
            answered.incrementAndGet();
            if (failAfterFirstAnswer) {
              failed = true;
              TestMathServer.this.failed.incrementAndGet();
              responses.onError(Status.INTERNAL.withDescription("test failure").asException());
            }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          if (!failed) {
            responses.onCompleted();
            completed.incrementAndGet();
          }
        }
      };
    }
  }
}
