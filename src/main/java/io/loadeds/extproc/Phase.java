package io.loadeds.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;

/**
 * The six points of an HTTP exchange at which Envoy's {@code ext_proc} filter may call a processor,
 * in the order they happen. Which of them Envoy sends is its {@code processing_mode}.
 */
public enum Phase {
  REQUEST_HEADERS("request_headers"),
  REQUEST_BODY("request_body"),
  REQUEST_TRAILERS("request_trailers"),
  RESPONSE_HEADERS("response_headers"),
  RESPONSE_BODY("response_body"),
  RESPONSE_TRAILERS("response_trailers");

  private final String wireName;

  Phase(String wireName) {
    this.wireName = wireName;
  }

  /** The name of the phase's field in {@code ProcessingRequest}, e.g. {@code request_headers}. */
  public String wireName() {
    return wireName;
  }

  /** Whether the phase carries headers (or trailers). */
  public boolean hasHeaders() {
    return this != REQUEST_BODY && this != RESPONSE_BODY;
  }

  /** Whether the phase carries a body chunk. */
  public boolean hasBody() {
    return this == REQUEST_BODY || this == RESPONSE_BODY;
  }

  /** Whether the phase belongs to the request (downstream to upstream) direction. */
  public boolean isRequest() {
    return ordinal() <= REQUEST_TRAILERS.ordinal();
  }

  /** The phase a request is for, or null when it names none (not a valid request). */
  static Phase of(ProcessingRequest request) {
    return switch (request.getRequestCase()) {
      case REQUEST_HEADERS -> REQUEST_HEADERS;
      case REQUEST_BODY -> REQUEST_BODY;
      case REQUEST_TRAILERS -> REQUEST_TRAILERS;
      case RESPONSE_HEADERS -> RESPONSE_HEADERS;
      case RESPONSE_BODY -> RESPONSE_BODY;
      case RESPONSE_TRAILERS -> RESPONSE_TRAILERS;
      case REQUEST_NOT_SET -> null;
    };
  }
}
