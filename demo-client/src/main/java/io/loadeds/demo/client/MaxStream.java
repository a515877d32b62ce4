package io.loadeds.demo.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.loadeds.demo.math.MathGrpc;
import io.loadeds.demo.math.Request;
import io.loadeds.demo.math.Response;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One {@code Max} stream: sends 1, 2, 3... every interval, so that every number raises the running
 * maximum and is answered, which makes each answer a round-trip measurement.
 *
 * <p>A short stream half-closes after its numbers; a held one when the run ends. Its end is sorted
 * into one {@link Outcome} and counted in {@link LoadStats}: a stream that ends with {@code
 * RESOURCE_EXHAUSTED} or {@code UNAVAILABLE} before any backend answered it is a refusal; any other
 * non-OK end is an error, unless the client cut it at the end of the run.
 *
 * <p>Threading: gRPC callbacks arrive on the channel's executor, one at a time per call; the send
 * timer and the run's stop come from other threads. The request side is guarded by {@code this};
 * the outcome is reported once, outside that lock.
 */
final class MaxStream
    implements ClientResponseObserver<Request, Response>, BackendIdInterceptor.Listener {

  /** How a stream ended, which decides what its worker does next. */
  enum Outcome {
    COMPLETED,
    REFUSED,
    FAILED,
    CUT
  }

  private final LoadConfig config;
  private final LoadStats stats;
  private final ScheduledExecutorService timer;
  private final Consumer<Outcome> onEnd;
  private final Map<Integer, Long> sentAtNanos = new ConcurrentHashMap<>();

  // Guarded by this.
  private ClientCallStreamObserver<Request> requests;
  private ScheduledFuture<?> ticker;
  private int nextNum = 1;
  private int sentCount;
  private boolean halfClosed;
  private boolean ended;

  private volatile String backend;
  private volatile String trailersBackend;
  private volatile boolean cutByClient;

  MaxStream(
      LoadConfig config, LoadStats stats, ScheduledExecutorService timer, Consumer<Outcome> onEnd) {
    this.config = config;
    this.stats = stats;
    this.timer = timer;
    this.onEnd = onEnd;
  }

  /** Opens the stream and sends its first number at once, the rest on the interval. */
  synchronized void start(MathGrpc.MathStub stub) {
    stats.streamOpened();
    stub.withOption(BackendIdInterceptor.LISTENER, this).max(this);
    sendNext();
    long every = config.interval().toMillis();
    ticker = timer.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
    if (ended) {
      ticker.cancel(false);
    }
  }

  /** Half-closes, letting the backend answer what is in flight and end the stream with OK. */
  synchronized void finish() {
    if (!halfClosed && !ended) {
      halfClosed = true;
      requests.onCompleted();
    }
  }

  /** Resets the stream; its end counts as cut by the client, not as an error. */
  synchronized void cancel() {
    if (!ended) {
      cutByClient = true;
      requests.cancel("load run over", null);
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<Request> requestStream) {
    this.requests = requestStream;
  }

  private synchronized void tick() {
    if (halfClosed || ended) {
      return;
    }
    if (!config.hold() && sentCount >= config.messagesPerStream()) {
      finish();
    } else if (requests.isReady()) {
      // When the transport is backed up we skip a beat instead of queueing without bound.
      sendNext();
    }
  }

  private void sendNext() {
    int num = nextNum++;
    sentAtNanos.put(num, System.nanoTime());
    requests.onNext(Request.newBuilder().setNum(num).build());
    sentCount++;
    stats.sent();
  }

  @Override
  public void served(String backendId) {
    String id = backendId == null || backendId.isEmpty() ? LoadStats.UNKNOWN_BACKEND : backendId;
    backend = id;
    stats.served(id);
  }

  @Override
  public void trailersOnly(String backendId) {
    trailersBackend = backendId;
  }

  @Override
  public void onNext(Response response) {
    Long sentAt = sentAtNanos.remove(response.getResult());
    if (sentAt != null) {
      stats.answered(System.nanoTime() - sentAt);
    }
  }

  @Override
  public void onError(Throwable t) {
    end(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    end(Status.OK);
  }

  private void end(Status status) {
    synchronized (this) {
      ended = true;
      if (ticker != null) {
        ticker.cancel(false);
      }
    }
    String servedBy = backend;
    if (servedBy != null) {
      stats.closed(servedBy);
    }
    Status.Code code = status.getCode();
    Outcome outcome;
    if (status.isOk()) {
      stats.completed();
      outcome = Outcome.COMPLETED;
    } else if (cutByClient) {
      outcome = Outcome.CUT;
    } else if (servedBy == null
        && (code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.UNAVAILABLE)) {
      stats.refused(code, trailersBackend);
      outcome = Outcome.REFUSED;
    } else {
      stats.failed(code);
      outcome = Outcome.FAILED;
    }
    onEnd.accept(outcome);
  }
}
