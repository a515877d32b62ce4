package io.loadeds.admin;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Whether the server takes traffic: {@code STARTING} until every event loop listens, {@code
 * WARMING} while the warm-up after start lasts (backends are still re-registering), {@code READY}
 * then, {@code CLOSING} from the start of shutdown. Read by {@code /readyz} and the gRPC health
 * service; long-lived responses ({@code /v1/events}, gRPC health {@code Watch}) {@linkplain
 * #onChange listen} to it to push a change or to end when shutdown starts.
 *
 * <p>Thread-safe: the phase is one atomic reference, and a listener is called on the thread that
 * changed the phase (an event loop, or the shutdown hook's thread), after the change.
 */
public final class Readiness {
  private static final System.Logger LOG = System.getLogger(Readiness.class.getName());

  /** The server's phase. */
  public enum Phase {
    STARTING,
    WARMING,
    READY,
    CLOSING
  }

  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);
  private final Set<Consumer<Phase>> listeners = new CopyOnWriteArraySet<>();

  /** Marks the server listening but still warming up; does nothing unless starting. */
  public void warming() {
    if (phase.compareAndSet(Phase.STARTING, Phase.WARMING)) {
      changed(Phase.WARMING);
    }
  }

  /** Marks the server listening and warmed up; does nothing once closing. */
  public void ready() {
    if (phase.compareAndSet(Phase.STARTING, Phase.READY)
        || phase.compareAndSet(Phase.WARMING, Phase.READY)) {
      changed(Phase.READY);
    }
  }

  /** Marks the server closing; final. */
  public void closing() {
    if (phase.getAndSet(Phase.CLOSING) != Phase.CLOSING) {
      changed(Phase.CLOSING);
    }
  }

  public Phase phase() {
    return phase.get();
  }

  public boolean isReady() {
    return phase.get() == Phase.READY;
  }

  /**
   * Calls {@code listener} with each later phase, once per change, on the thread that made it: it
   * must only hand the news to its own context. A listener that registers while the phase changes
   * may or may not hear of that change, so it reads {@link #phase} after registering and treats a
   * repeated phase as no news.
   *
   * @return removes the listener; idempotent
   */
  public Runnable onChange(Consumer<Phase> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** How many listeners are registered (tests: a stream that ended must not stay registered). */
  int listeners() {
    return listeners.size();
  }

  private void changed(Phase now) {
    for (Consumer<Phase> l : listeners) {
      try {
        l.accept(now);
      } catch (RuntimeException e) {
        // One broken listener must not keep the others (or the shutdown) from hearing of it.
        LOG.log(System.Logger.Level.WARNING, "readiness listener failed on " + now, e);
      }
    }
  }
}
