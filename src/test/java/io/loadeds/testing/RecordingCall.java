package io.loadeds.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The client end of one grpc-java call, recorded for a test: pass it as the response observer of a
 * stub method (or of {@code ClientCalls} with a call of its own). Every message the call receives
 * is queued in order; its end completes the status, {@code onCompleted} with OK and {@code onError}
 * with {@link Status#fromThrowable}. {@link #requests()} is the request side grpc-java hands to
 * {@code beforeStart}: send, half-close or cancel with it.
 *
 * <p>{@link #next} and {@link #awaitStatus} wait at most the time given ({@link #WAIT} unless told)
 * and fail with an {@link AssertionError} when nothing comes; an interrupt is restored and fails
 * the wait too.
 *
 * <p>Threading: grpc-java's callback threads write (one callback at a time for a call), the test
 * thread reads. The queue and the status future are thread-safe, and the request side is published
 * through a volatile field.
 */
public final class RecordingCall<Q, R> implements ClientResponseObserver<Q, R> {
  /** How long {@link #next()} and {@link #awaitStatus()} wait. */
  public static final Duration WAIT = Duration.ofSeconds(10);

  private final BlockingQueue<R> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> status = new CompletableFuture<>();
  private volatile ClientCallStreamObserver<Q> requests;

  @Override
  public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
    requests = requestStream;
  }

  @Override
  public void onNext(R message) {
    received.add(message);
  }

  @Override
  public void onError(Throwable t) {
    status.complete(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    status.complete(Status.OK);
  }

  /** The request side: send, half-close ({@code onCompleted}) or {@code cancel}. */
  public ClientCallStreamObserver<Q> requests() {
    ClientCallStreamObserver<Q> r = requests;
    if (r == null) {
      throw new IllegalStateException("not started: pass this call to a stub method first");
    }
    return r;
  }

  /** The messages received and not taken yet, oldest first (live: the callbacks add to it). */
  public BlockingQueue<R> received() {
    return received;
  }

  /** The next message, waiting at most {@link #WAIT}. */
  public R next() {
    return next(WAIT);
  }

  /** The next message, waiting at most {@code wait}; fails when none comes. */
  public R next(Duration wait) {
    R r = poll(wait);
    assertThat(r)
        .as("a message within %s (stream status: %s)", wait, status.getNow(null))
        .isNotNull();
    return r;
  }

  /** Asserts that no message arrives within {@code wait}. */
  public void assertNothingWithin(Duration wait) {
    assertThat(poll(wait)).as("an unexpected message").isNull();
  }

  /** Whether the call has ended. */
  public boolean ended() {
    return status.isDone();
  }

  /** The status the call ended with, waiting at most {@link #WAIT}. */
  public Status awaitStatus() {
    return awaitStatus(WAIT);
  }

  /** The status the call ended with, waiting at most {@code wait}; fails when it does not end. */
  public Status awaitStatus(Duration wait) {
    try {
      return status.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for the end of the call", e);
    } catch (TimeoutException e) {
      throw new AssertionError("no end of the call within " + wait, e);
    } catch (ExecutionException e) {
      throw new AssertionError("the status future failed", e); // never: it only completes
    }
  }

  private R poll(Duration wait) {
    try {
      return received.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for a message", e);
    }
  }
}
