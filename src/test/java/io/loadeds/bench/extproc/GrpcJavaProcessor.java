package io.loadeds.bench.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.loadeds.extproc.ExchangeEngine;
import io.loadeds.extproc.ExchangeFailure;
import io.loadeds.extproc.Headers;
import io.loadeds.extproc.ProcessorChain;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The comparison: the same processors, through the same {@link ExchangeEngine}, served by a plain
 * grpc-java service instead of LoadEDS's Vert.x port. What it costs is grpc-java's transport.
 * Thread-safe; grpc-java calls a stream's observer serially.
 */
final class GrpcJavaProcessor extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  private final ProcessorChain chain;
  private final AtomicLong ids = new AtomicLong();

  GrpcJavaProcessor(ProcessorChain chain) {
    this.chain = chain;
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
    ExchangeEngine engine = chain.open(ids.incrementAndGet(), Headers.empty());
    return new StreamObserver<>() {
      @Override
      public void onNext(ProcessingRequest r) {
        try {
          engine.process(r).ifPresent(out::onNext);
        } catch (ExchangeFailure f) {
          engine.end();
          out.onError(
              Status.fromCodeValue(f.grpcStatus()).withDescription(f.description()).asException());
        }
      }

      @Override
      public void onError(Throwable t) {
        engine.end();
      }

      @Override
      public void onCompleted() {
        engine.end();
        out.onCompleted();
      }
    };
  }
}
