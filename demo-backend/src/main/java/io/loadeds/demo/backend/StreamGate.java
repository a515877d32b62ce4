package io.loadeds.demo.backend;

import java.util.function.IntConsumer;

/**
 * Counts the backend's active {@code Max} streams against its capacity and decides admission.
 *
 * <p>The backend enforces its capacity itself: the EDS server takes a full backend out of rotation
 * quickly, but not instantly, so a stream that races the EDS update must be refused here rather
 * than overload the backend.
 *
 * <p>Threading: not thread-safe. Confined to the backend verticle's event-loop context, where every
 * gRPC call and the shutdown run; the change listener is called on that context, synchronously.
 */
public final class StreamGate {

  /** The answer to a stream that asks to be admitted. */
  public enum Admission {
    /** Admitted: the caller must {@link #release()} exactly once when the stream ends. */
    ADMITTED,
    /** Refused: {@code capacity} streams are active. */
    FULL,
    /** Refused: the backend is shutting down and takes no new streams. */
    DRAINING
  }

  private final int capacity;
  private final Log log;
  private final IntConsumer onActiveChanged;
  private int active;
  private boolean draining;

  /**
   * @param capacity how many streams may be active at once (at least 1)
   * @param log where the admission changes are told (one line each)
   * @param onActiveChanged called with the new active count after every change
   */
  public StreamGate(int capacity, Log log, IntConsumer onActiveChanged) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
    this.log = log;
    this.onActiveChanged = onActiveChanged;
  }

  /** Admits a new stream if there is room, counting it as active. */
  public Admission tryAdmit() {
    if (draining) {
      return Admission.DRAINING;
    }
    if (active >= capacity) {
      return Admission.FULL;
    }
    active++;
    if (active == capacity) {
      log.info("full: " + active + "/" + capacity + " active, new streams refused");
    }
    onActiveChanged.accept(active);
    return Admission.ADMITTED;
  }

  /** Ends an admitted stream. Calling it more often than streams were admitted is a bug. */
  public void release() {
    if (active == 0) {
      throw new IllegalStateException("release() without an admitted stream");
    }
    active--;
    if (active == capacity - 1 && !draining) {
      log.info("has room again: " + active + "/" + capacity + " active");
    }
    onActiveChanged.accept(active);
  }

  /** Refuses every new stream from now on; streams already admitted go on. */
  public void drain() {
    draining = true;
  }

  public int active() {
    return active;
  }

  public int capacity() {
    return capacity;
  }

  public boolean draining() {
    return draining;
  }
}
