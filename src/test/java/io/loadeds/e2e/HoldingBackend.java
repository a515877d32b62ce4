package io.loadeds.e2e;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java backend that never reports its own load: {@link WhoAmIBackend#WHO} answers its id at
 * once, and {@link #HOLD} answers its id only when the test calls {@link #release}, so the test
 * decides how many calls are in progress to it. Listens on 127.0.0.1, port 0. Thread-safe.
 */
final class HoldingBackend implements AutoCloseable {
  static final MethodDescriptor<String, String> HOLD =
      WhoAmIBackend.WHO.toBuilder().setFullMethodName("loadeds.test.WhoAmI/Hold").build();

  final String id;
  private final Server server;
  private final List<StreamObserver<String>> held = new ArrayList<>();

  HoldingBackend(String id) throws IOException {
    this.id = id;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("loadeds.test.WhoAmI")
            .addMethod(
                WhoAmIBackend.WHO,
                ServerCalls.asyncUnaryCall(
                    (req, obs) -> {
                      obs.onNext(id);
                      obs.onCompleted();
                    }))
            .addMethod(
                HOLD,
                ServerCalls.asyncUnaryCall(
                    (req, obs) -> {
                      synchronized (held) {
                        held.add(obs);
                      }
                    }))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  /** Calls being held now. */
  int held() {
    synchronized (held) {
      return held.size();
    }
  }

  /** Answers every held call. */
  void release() {
    List<StreamObserver<String>> now;
    synchronized (held) {
      now = new ArrayList<>(held);
      held.clear();
    }
    for (StreamObserver<String> obs : now) {
      obs.onNext(id);
      obs.onCompleted();
    }
  }

  /**
   * Starts a {@link #HOLD} call on {@code channel}; it ends when the backend that took it is
   * released.
   */
  static ClientCall<String, String> hold(Channel channel) {
    ClientCall<String, String> call =
        channel.newCall(HOLD, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    ClientCalls.asyncUnaryCall(
        call,
        "",
        new StreamObserver<>() {
          @Override
          public void onNext(String value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    return call;
  }

  @Override
  public void close() throws InterruptedException {
    release();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
