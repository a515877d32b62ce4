package io.loadeds.extproc;

/**
 * Why an exchange's gRPC stream ends with an error: a processor threw, or Envoy sent something that
 * is not a processing request. Carries the gRPC status code and the description Envoy gets.
 */
public final class ExchangeFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** gRPC INVALID_ARGUMENT. */
  public static final int INVALID_ARGUMENT = 3;

  /** gRPC INTERNAL. */
  public static final int INTERNAL = 13;

  private final int grpcStatus;

  public ExchangeFailure(int grpcStatus, String description, Throwable cause) {
    super(description, cause);
    this.grpcStatus = grpcStatus;
  }

  /** The gRPC status code the stream ends with. */
  public int grpcStatus() {
    return grpcStatus;
  }

  /** The status description Envoy gets. */
  public String description() {
    return getMessage();
  }
}
