package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Locality;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** One JSON object per line, and one INFO record per registry event with cluster, id, reason. */
class JsonLogFormatterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void writesOneJsonObjectPerLineWithTheRegistryFields() throws Exception {
    List<LogRecord> records = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    RegistryEventLog.LOG.addHandler(capture);
    try {
      Registry registry = new Registry(RegistryConfig.defaults(), java.time.Clock.systemUTC());
      registry.addListener(new RegistryEventLog()::onRegistryEvent);
      registry.register(new EndpointKey("shop", "a-1"), registration());
      registry.deregister(new EndpointKey("shop", "a-1"));
    } finally {
      RegistryEventLog.LOG.removeHandler(capture);
    }

    assertThat(records).hasSize(2);
    String line = new JsonLogFormatter().format(records.get(1));
    assertThat(line).endsWith(System.lineSeparator());
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode json = MAPPER.readTree(line);
    assertThat(json.path("level").asText()).isEqualTo("INFO");
    assertThat(json.path("logger").asText()).isEqualTo("io.loadeds.registry.events");
    assertThat(json.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(json.path("event").asText()).isEqualTo("deregistered");
    assertThat(json.path("cluster").asText()).isEqualTo("shop");
    assertThat(json.path("id").asText()).isEqualTo("a-1");
    assertThat(json.path("reason").asText()).isEqualTo("requested");
    assertThat(json.path("message").asText()).contains("cluster=shop", "id=a-1");
  }

  @Test
  void anOrdinaryRecordWithAnErrorIsOneLineToo() throws Exception {
    LogRecord r = new LogRecord(Level.WARNING, "node {0} failed");
    r.setParameters(new Object[] {"n1"});
    r.setLoggerName("x");
    r.setThrown(new IllegalStateException("boom"));

    String line = new JsonLogFormatter().format(r);

    assertThat(line.strip()).doesNotContain("\n");
    JsonNode json = MAPPER.readTree(line);
    assertThat(json.path("message").asText()).isEqualTo("node n1 failed");
    assertThat(json.path("error").asText()).contains("IllegalStateException: boom");
  }

  /** Built directly: {@code Registration.of} trips on {@code Map.of().containsValue(null)}. */
  private static Registration registration() {
    return new Registration("10.0.0.1", 80, null, 0, null, null, Locality.NONE, new HashMap<>());
  }
}
