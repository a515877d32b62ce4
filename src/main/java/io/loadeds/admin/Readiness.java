package io.loadeds.admin;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the server takes traffic: {@code STARTING} until every event loop listens, {@code
 * WARMING} while the warm-up after start lasts (backends are still re-registering), {@code READY}
 * then, {@code CLOSING} from the start of shutdown. Read by {@code /readyz} and the gRPC health
 * service. Thread-safe (one atomic reference).
 */
public final class Readiness {
  /** The server's phase. */
  public enum Phase {
    STARTING,
    WARMING,
    READY,
    CLOSING
  }

  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);

  /** Marks the server listening but still warming up; does nothing unless starting. */
  public void warming() {
    phase.compareAndSet(Phase.STARTING, Phase.WARMING);
  }

  /** Marks the server listening and warmed up; does nothing once closing. */
  public void ready() {
    if (!phase.compareAndSet(Phase.STARTING, Phase.READY)) {
      phase.compareAndSet(Phase.WARMING, Phase.READY);
    }
  }

  /** Marks the server closing; final. */
  public void closing() {
    phase.set(Phase.CLOSING);
  }

  public Phase phase() {
    return phase.get();
  }

  public boolean isReady() {
    return phase.get() == Phase.READY;
  }
}
