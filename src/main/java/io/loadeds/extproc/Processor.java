package io.loadeds.extproc;

import java.util.EnumSet;
import java.util.Set;

/**
 * An Envoy external processor: one optional callback per {@link Phase} of an HTTP exchange. Every
 * callback does nothing unless overridden, and Envoy is then told to continue unchanged. A callback
 * reads what Envoy sent from its {@link PhaseContext} and answers through it: header and body
 * mutations, an immediate response, dynamic metadata, a mode override. State that must outlive a
 * phase goes in {@link PhaseContext#exchange()}, which lives for one HTTP exchange.
 *
 * <p>Threading: one instance serves every exchange, on every event loop, so it must be thread-safe
 * (keep per-exchange state in the {@link Exchange}, not in fields). The callbacks of one exchange
 * run one after the other on one event loop: they must not block (no I/O, no locks held long).
 *
 * <p>Failure: a callback that throws ends that exchange's gRPC stream with INTERNAL and a
 * description naming the processor and the phase (Envoy then applies its {@code
 * failure_mode_allow}); the server logs it; other exchanges are not affected. The processors after
 * it in the chain do not run for that message.
 */
public interface Processor {
  /** The request's headers arrived (Envoy has not picked an upstream yet). */
  default void onRequestHeaders(PhaseContext phase) {}

  /** A request body chunk arrived (the whole body when Envoy buffers it). */
  default void onRequestBody(PhaseContext phase) {}

  /** The request's trailers arrived. */
  default void onRequestTrailers(PhaseContext phase) {}

  /** The upstream's response headers arrived. */
  default void onResponseHeaders(PhaseContext phase) {}

  /** A response body chunk arrived (the whole body when Envoy buffers it). */
  default void onResponseBody(PhaseContext phase) {}

  /** The response's trailers arrived. */
  default void onResponseTrailers(PhaseContext phase) {}

  /**
   * The exchange is over, however it ended (completed, answered early, failed, cancelled by Envoy).
   * Called once; what it throws is logged and otherwise ignored.
   */
  default void onExchangeEnd(Exchange exchange) {}

  /**
   * The phases this processor needs. When no processor of the chain needs a phase, the first
   * response asks Envoy ({@code mode_override}) not to send it, which Envoy honours only with
   * {@code allow_mode_override: true} in its filter. Default: every phase (no override).
   */
  default Set<Phase> phases() {
    return EnumSet.allOf(Phase.class);
  }
}
