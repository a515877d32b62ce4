package io.loadeds.extproc.testing;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.loadeds.extproc.Headers;
import io.loadeds.extproc.Processor;
import io.loadeds.extproc.ProcessorChain;
import java.time.Clock;
import java.util.Map;

/**
 * The SDK's test kit: plays Envoy's {@code ext_proc} filter against processors in the same thread,
 * without a network or a server, through the same {@link io.loadeds.extproc.ExchangeEngine} the
 * server runs. Part of the SDK's public API for processor authors (it needs no test framework).
 *
 * <pre>{@code
 * SimulatedExchange x = SimulatedEnvoy.of(new MyProcessor()).exchange();
 * Outcome r = x.requestHeaders(Map.of(":path", "/a", "x-tenant", "t1"));
 * assert r.headersSet().get("x-tenant-tier").equals("gold");
 * }</pre>
 *
 * <p>Thread-safe; each {@link #exchange} is independent, and is driven by one thread.
 */
public final class SimulatedEnvoy {
  private final ProcessorChain chain;
  private long nextId = 1;

  private SimulatedEnvoy(ProcessorChain chain) {
    this.chain = chain;
  }

  /** Envoy with one filter running these processors in order, on the system clock. */
  public static SimulatedEnvoy of(Processor... processors) {
    return new SimulatedEnvoy(ProcessorChain.of(Clock.systemUTC(), processors));
  }

  /** Envoy with one filter running {@code chain}. */
  public static SimulatedEnvoy of(ProcessorChain chain) {
    return new SimulatedEnvoy(chain);
  }

  /** A new HTTP exchange (one gRPC stream of the filter). */
  public SimulatedExchange exchange() {
    return exchange(Map.of());
  }

  /**
   * A new exchange whose gRPC stream carries {@code grpcMetadata} (what the filter's {@code
   * grpc_service.initial_metadata} or a route's {@code grpc_initial_metadata} adds).
   */
  public synchronized SimulatedExchange exchange(Map<String, String> grpcMetadata) {
    return new SimulatedExchange(chain.open(nextId++, Headers.of(headerMap(grpcMetadata))));
  }

  static HeaderMap headerMap(Map<String, String> headers) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    headers.forEach((k, v) -> b.addHeaders(HeaderValue.newBuilder().setKey(k).setValue(v)));
    return b.build();
  }
}
