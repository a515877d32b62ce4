package io.loadeds.admin;

import io.loadeds.registry.Endpoint;
import io.loadeds.registry.RegistryEvent;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logs one INFO line per registry event that changes the endpoint set (registered, admission
 * changed, deregistered, expired; load-only reports are left out as noise), with the cluster, id
 * and reason as structured fields ({@link FieldsRecord}) that {@link JsonLogFormatter} writes as
 * JSON members. A registry listener: quick, does not block beyond the logging backend's own lock.
 */
public final class RegistryEventLog {
  static final Logger LOG = Logger.getLogger("io.loadeds.registry.events");

  /** A log record that carries named fields besides its message. */
  public static final class FieldsRecord extends LogRecord {
    private final Map<String, String> fields;

    public FieldsRecord(Level level, String message, Map<String, String> fields) {
      super(level, message);
      this.fields = Map.copyOf(fields);
    }

    /** The record's named fields. */
    public Map<String, String> fields() {
      return fields;
    }
  }

  /** A registry listener. */
  public void onRegistryEvent(RegistryEvent event) {
    if (event instanceof RegistryEvent.LoadChanged || !LOG.isLoggable(Level.INFO)) {
      return;
    }
    Endpoint e = EventFeed.endpoint(event);
    String kind = EventFeed.kind(event);
    String reason = EventFeed.reason(event);
    FieldsRecord record =
        new FieldsRecord(
            Level.INFO,
            kind + " cluster=" + e.cluster() + " id=" + e.id() + " reason=" + reason,
            Map.of("event", kind, "cluster", e.cluster(), "id", e.id(), "reason", reason));
    record.setLoggerName(LOG.getName());
    LOG.log(record);
  }
}
