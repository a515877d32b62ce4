package io.loadeds.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * A JUL formatter that writes one JSON object per line: {@code time} (RFC 3339, UTC), {@code
 * level}, {@code logger}, {@code message}, the named fields of a {@link
 * RegistryEventLog.FieldsRecord} (e.g. {@code cluster}, {@code id}, {@code reason}), and {@code
 * error} with the stack trace when the record has a throwable. Stateless and thread-safe.
 */
public final class JsonLogFormatter extends Formatter {
  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public String format(LogRecord record) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", record.getInstant().toString());
      g.writeStringField("level", record.getLevel().getName());
      g.writeStringField("logger", record.getLoggerName());
      g.writeStringField("message", formatMessage(record));
      if (record instanceof RegistryEventLog.FieldsRecord f) {
        for (Map.Entry<String, String> field : new java.util.TreeMap<>(f.fields()).entrySet()) {
          g.writeStringField(field.getKey(), field.getValue());
        }
      }
      if (record.getThrown() != null) {
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        g.writeStringField("error", trace.toString());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out + System.lineSeparator();
  }
}
