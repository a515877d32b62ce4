package io.loadeds.xds;

/**
 * Where a protocol state machine's responses go: the gRPC binding in production, fakes in tests.
 * Called on the stream's context only.
 *
 * @param <R> the response message type
 */
public interface ResponseSink<R> {
  void send(R response);

  /** Ends the stream with a gRPC status code and description. */
  void fail(int grpcStatus, String description);
}
