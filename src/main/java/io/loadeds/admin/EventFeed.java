package io.loadeds.admin;

import io.loadeds.json.Rfc3339;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.RegistryEvent;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * Registry events as JSON for the dashboard's server-sent events, plus a short history of admission
 * changes (the dashboard's chart). Subscribers get each event on their own Vert.x context.
 *
 * <p>Thread-safe: {@link #onRegistryEvent} runs on whichever thread changed the registry (under the
 * cluster's lock), so it only builds a small JSON object and schedules delivery with {@code
 * runOnContext} (nothing when no one is subscribed); the history is thread-safe.
 */
public final class EventFeed {
  /** How far back the admission-change history reaches. */
  static final int HISTORY_MINUTES = 15;

  private record Subscriber(Context context, Consumer<JsonObject> sink) {}

  private final Clock clock;
  private final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();
  private final AdmissionHistory admissionChanges = new AdmissionHistory(HISTORY_MINUTES);

  public EventFeed(Clock clock) {
    this.clock = clock;
  }

  /** A registry listener. */
  public void onRegistryEvent(RegistryEvent event) {
    if (event instanceof RegistryEvent.AdmissionChanged) {
      admissionChanges.record(clock.millis());
    }
    if (subscribers.isEmpty()) {
      return; // the usual case under load: no dashboard open, nothing to build
    }
    JsonObject json = toJson(event, clock.instant());
    for (Subscriber s : subscribers) {
      s.context().runOnContext(v -> s.sink().accept(json));
    }
  }

  /** Delivers every later event to {@code sink} on {@code context}; the result unsubscribes. */
  public Runnable subscribe(Context context, Consumer<JsonObject> sink) {
    Subscriber s = new Subscriber(context, sink);
    subscribers.add(s);
    return () -> subscribers.remove(s);
  }

  /** Admission changes per minute, oldest first, the last being the current minute. */
  public long[] admissionChangesPerMinute() {
    return admissionChanges.perMinute(clock.millis());
  }

  /** {@code kind}, {@code cluster}, {@code id}, {@code reason}, {@code time} of an event. */
  public static JsonObject toJson(RegistryEvent event, Instant at) {
    Endpoint e = endpoint(event);
    return new JsonObject()
        .put("kind", kind(event))
        .put("cluster", e.cluster())
        .put("id", e.id())
        .put("reason", reason(event))
        .put("time", Rfc3339.format(at));
  }

  /** The endpoint an event concerns (its new state where there are two). */
  public static Endpoint endpoint(RegistryEvent event) {
    if (event instanceof RegistryEvent.Registered r) {
      return r.endpoint();
    } else if (event instanceof RegistryEvent.LoadChanged l) {
      return l.endpoint();
    } else if (event instanceof RegistryEvent.AdmissionChanged a) {
      return a.endpoint();
    } else if (event instanceof RegistryEvent.Deregistered d) {
      return d.endpoint();
    }
    return ((RegistryEvent.Expired) event).endpoint();
  }

  /** A short name of the event: registered, load-changed, admission-changed, ... */
  public static String kind(RegistryEvent event) {
    if (event instanceof RegistryEvent.Registered) {
      return "registered";
    } else if (event instanceof RegistryEvent.LoadChanged) {
      return "load-changed";
    } else if (event instanceof RegistryEvent.AdmissionChanged) {
      return "admission-changed";
    } else if (event instanceof RegistryEvent.Deregistered) {
      return "deregistered";
    }
    return "expired";
  }

  /** Why it happened, in words an operator greps for. */
  public static String reason(RegistryEvent event) {
    Endpoint e = endpoint(event);
    String load = "active " + e.active() + "/" + capacity(e);
    if (event instanceof RegistryEvent.Registered r) {
      return r.created() ? "created" : "replaced";
    } else if (event instanceof RegistryEvent.LoadChanged) {
      return load;
    } else if (event instanceof RegistryEvent.AdmissionChanged) {
      return (e.admitted() ? "admitted at " : "full at ") + load;
    } else if (event instanceof RegistryEvent.Deregistered d) {
      return d.reason().name().toLowerCase(Locale.ROOT);
    }
    return "lease lapsed at " + e.leaseExpiresAt();
  }

  private static String capacity(Endpoint e) {
    return e.capacity() == null ? "unlimited" : e.capacity().toString();
  }
}
