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
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A tiny grpc-java backend for end-to-end tests: one unary method that answers its own id, so a
 * test sees which backend a proxyless client picked. Listens on 127.0.0.1, port 0.
 */
final class WhoAmIBackend implements AutoCloseable {
  static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("loadeds.test.WhoAmI/Who")
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .build();

  final String id;
  private final Server server;

  WhoAmIBackend(String id) throws IOException {
    this.id = id;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("loadeds.test.WhoAmI")
            .addMethod(
                WHO,
                ServerCalls.asyncUnaryCall(
                    (req, obs) -> {
                      obs.onNext(id);
                      obs.onCompleted();
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

  /** Calls {@link #WHO} on {@code channel} and returns the id of the backend that answered. */
  static String call(Channel channel, long deadlineMillis) {
    ClientCall<String, String> call =
        channel.newCall(
            WHO, CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
    return ClientCalls.blockingUnaryCall(call, "");
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
