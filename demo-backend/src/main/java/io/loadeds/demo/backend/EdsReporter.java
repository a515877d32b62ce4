package io.loadeds.demo.backend;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the EDS server told about this backend: registers it (PUT), reports every change of its
 * active stream count and heartbeats (PATCH), registers again when a PATCH answers 404 (lease
 * lapsed or server restarted), and deregisters it (DELETE) on shutdown.
 *
 * <p>At most one request is in flight. A count that changes meanwhile is not queued: when the
 * request returns, the newest count is sent, so intermediate values may be skipped but the final
 * one never is. A failed request (server down, timeout, 5xx) is retried with capped exponential
 * backoff; the backend goes on serving in the meantime.
 *
 * <p>Threading: not thread-safe. Created, called and completed on the backend verticle's event-loop
 * context (the HTTP client's callbacks run there too).
 */
public final class EdsReporter {

  /** The whole registration, as PUT sends it. */
  public record Registration(
      String cluster,
      String id,
      String address,
      int port,
      int capacity,
      Duration ttl,
      Map<String, String> metadata) {

    String path() {
      return "/v1/clusters/" + cluster + "/endpoints/" + id;
    }

    JsonObject body(int active) {
      return new JsonObject()
          .put("address", address)
          .put("port", port)
          .put("capacity", capacity)
          .put("active", active)
          .put("ttlSeconds", ttl.toSeconds())
          .put("metadata", new JsonObject(new HashMap<>(metadata)));
    }
  }

  private static final Duration INITIAL_RETRY = Duration.ofMillis(250);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);
  private static final long CONNECT_TIMEOUT_MS = 2_000;
  private static final long REQUEST_IDLE_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final HttpClient http;
  private final EdsAddress eds;
  private final Registration registration;
  private final Duration heartbeatInterval;
  private final Backoff backoff;
  private final Log log;

  private int desiredActive;
  private int reportedActive = -1;
  private boolean registered;
  private boolean heartbeatDue;
  private boolean stopped;
  private boolean failing;
  private Future<Void> inFlight;
  private long retryTimer = -1;
  private long heartbeatTimer = -1;

  public EdsReporter(
      Vertx vertx,
      HttpClient http,
      EdsAddress eds,
      Registration registration,
      Duration heartbeatInterval,
      Log log) {
    this.vertx = vertx;
    this.http = http;
    this.eds = eds;
    this.registration = registration;
    this.heartbeatInterval = heartbeatInterval;
    // Retrying no slower than a heartbeat keeps the lease alive through a short outage.
    Duration cap = heartbeatInterval.compareTo(MAX_RETRY) < 0 ? heartbeatInterval : MAX_RETRY;
    this.backoff = new Backoff(INITIAL_RETRY, cap);
    this.log = log;
  }

  /** Registers with the current count and starts heartbeating. */
  public void start(int active) {
    desiredActive = active;
    heartbeatTimer =
        vertx.setPeriodic(
            heartbeatInterval.toMillis(),
            id -> {
              heartbeatDue = true;
              pump();
            });
    pump();
  }

  /** Reports a new active count; sent now, or as soon as the request in flight returns. */
  public void activeChanged(int active) {
    desiredActive = active;
    pump();
  }

  /** True once a PUT succeeded, until a PATCH answers 404. */
  public boolean registered() {
    return registered;
  }

  /**
   * Stops reporting and deregisters. Waits for the request in flight first, so that a late PUT
   * cannot re-register the backend after the DELETE. Never fails: a server that is down simply lets
   * the lease lapse.
   */
  public Future<Void> deregister() {
    stopped = true;
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(retryTimer);
    Future<Void> before = inFlight == null ? Future.succeededFuture() : inFlight;
    return before.compose(
        v ->
            send(HttpMethod.DELETE, null)
                .transform(
                    ar -> {
                      if (ar.failed()) {
                        log.warn("could not deregister from " + eds + ": " + describe(ar.cause()));
                      } else if (ar.result() == 204 || ar.result() == 404) {
                        log.info("deregistered from " + eds);
                      } else {
                        log.warn("could not deregister from " + eds + ": HTTP " + ar.result());
                      }
                      return Future.<Void>succeededFuture();
                    }));
  }

  private void pump() {
    if (stopped || inFlight != null || retryTimer != -1) {
      return;
    }
    if (!registered) {
      int active = desiredActive;
      track(send(HttpMethod.PUT, registration.body(active)), HttpMethod.PUT, active);
    } else if (heartbeatDue || reportedActive != desiredActive) {
      int active = desiredActive;
      track(
          send(HttpMethod.PATCH, new JsonObject().put("active", active)), HttpMethod.PATCH, active);
    }
  }

  private void track(Future<Integer> request, HttpMethod method, int active) {
    // Both PUT and PATCH renew the lease: the heartbeat is owed again only a period from now.
    heartbeatDue = false;
    Promise<Void> done = Promise.promise();
    inFlight = done.future();
    request.onComplete(
        ar -> {
          inFlight = null;
          if (ar.succeeded()) {
            onAnswer(method, active, ar.result());
          } else {
            onFailure(method, describe(ar.cause()));
          }
          done.complete();
          pump();
        });
  }

  private void onAnswer(HttpMethod method, int active, int status) {
    if (status == 200 || status == 201) {
      if (method == HttpMethod.PUT) {
        log.info(
            "registered with "
                + eds
                + " as "
                + registration.cluster()
                + "/"
                + registration.id()
                + " ("
                + registration.address()
                + ":"
                + registration.port()
                + ", capacity "
                + registration.capacity()
                + ", active "
                + active
                + ")");
      } else if (failing) {
        log.info("reaching " + eds + " again");
      }
      registered = true;
      reportedActive = active;
      failing = false;
      backoff.reset();
    } else if (status == 404 && method == HttpMethod.PATCH) {
      log.info(
          "EDS server does not know this backend (lease lapsed or server restarted): registering again");
      registered = false;
    } else {
      onFailure(method, "HTTP " + status);
    }
  }

  private void onFailure(HttpMethod method, String why) {
    // Owe a renewal again: the lease was not renewed by this request.
    heartbeatDue = true;
    failing = true;
    long delay = backoff.nextDelayMillis();
    log.warn(method + " to " + eds + " failed (" + why + "); retrying in " + delay + " ms");
    retryTimer =
        vertx.setTimer(
            delay,
            id -> {
              retryTimer = -1;
              pump();
            });
  }

  /** Sends one request; the future holds the status code, or fails on a transport error. */
  private Future<Integer> send(HttpMethod method, JsonObject body) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setHost(eds.host())
            .setPort(eds.port())
            .setSsl(eds.ssl())
            .setURI(registration.path())
            .setConnectTimeout(CONNECT_TIMEOUT_MS)
            .setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS);
    if (body != null) {
      options.putHeader("content-type", "application/json");
    }
    return http.request(options)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body.encode())))
        // Read the body so the connection returns to the pool; only the status matters here.
        .compose(resp -> resp.body().map(b -> resp.statusCode()));
  }

  private static String describe(Throwable err) {
    return err.getMessage() != null ? err.getMessage() : err.getClass().getSimpleName();
  }
}
