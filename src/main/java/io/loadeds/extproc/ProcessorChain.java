package io.loadeds.extproc;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The processors an exchange runs through, in order, with their names (for logs and errors).
 * Immutable and thread-safe; {@link #open} starts one exchange.
 */
public final class ProcessorChain {
  /** A processor and the name it is configured under. */
  public record Named(String name, Processor processor) {}

  private final List<Named> processors;
  private final Set<Phase> wanted;
  private final Clock clock;

  public ProcessorChain(List<Named> processors, Clock clock) {
    this.processors = List.copyOf(processors);
    this.clock = clock;
    Set<Phase> union = EnumSet.noneOf(Phase.class);
    for (Named n : this.processors) {
      union.addAll(n.processor().phases());
    }
    this.wanted = union;
  }

  /** A chain of processors named by their simple class name (for tests and embedding). */
  public static ProcessorChain of(Clock clock, Processor... processors) {
    List<Named> named = new ArrayList<>();
    for (Processor p : processors) {
      String simple = p.getClass().getSimpleName();
      named.add(new Named(simple.isEmpty() ? "processor-" + named.size() : simple, p));
    }
    return new ProcessorChain(named, clock);
  }

  public List<Named> processors() {
    return processors;
  }

  /** The names, in order. */
  public List<String> names() {
    return processors.stream().map(Named::name).toList();
  }

  /** A chain of those of {@code names} (in the chain's order) only. */
  public ProcessorChain only(Set<String> names) {
    return new ProcessorChain(
        processors.stream().filter(n -> names.contains(n.name())).toList(), clock);
  }

  /** Starts one exchange (one gRPC stream of Envoy's filter). */
  public ExchangeEngine open(long id, Headers grpcMetadata) {
    return new ExchangeEngine(this, new Exchange(id, clock, grpcMetadata));
  }

  /**
   * The mode to ask Envoy for when the chain needs fewer phases than all, or null. Body phases keep
   * the body mode the filter announced, or BUFFERED if it announced none.
   */
  ProcessingMode modeFor(Exchange exchange) {
    if (wanted.size() == Phase.values().length) {
      return null;
    }
    return ProcessingMode.newBuilder()
        .setRequestHeaderMode(HeaderSendMode.SEND)
        .setResponseHeaderMode(send(Phase.RESPONSE_HEADERS))
        .setRequestTrailerMode(send(Phase.REQUEST_TRAILERS))
        .setResponseTrailerMode(send(Phase.RESPONSE_TRAILERS))
        .setRequestBodyMode(body(Phase.REQUEST_BODY, exchange.requestBodyMode()))
        .setResponseBodyMode(body(Phase.RESPONSE_BODY, exchange.responseBodyMode()))
        .build();
  }

  private HeaderSendMode send(Phase p) {
    return wanted.contains(p) ? HeaderSendMode.SEND : HeaderSendMode.SKIP;
  }

  private BodySendMode body(Phase p, BodySendMode announced) {
    if (!wanted.contains(p)) {
      return BodySendMode.NONE;
    }
    return announced == BodySendMode.NONE || announced == BodySendMode.UNRECOGNIZED
        ? BodySendMode.BUFFERED
        : announced;
  }
}
