package io.loadeds.admin;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the server takes traffic: {@code STARTING} until every event loop listens, {@code READY}
 * then, {@code CLOSING} from the start of shutdown. Read by {@code /readyz} and the gRPC health
 * service. Thread-safe (one atomic reference).
 */
public final class Readiness {
  /** The server's phase. */
  public enum Phase {
    STARTING,
    READY,
    CLOSING
  }

  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);

  /** Marks the server listening; does nothing once closing. */
  public void ready() {
    phase.compareAndSet(Phase.STARTING, Phase.READY);
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
