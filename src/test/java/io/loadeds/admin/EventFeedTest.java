package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code /v1/events}: a snapshot at once, then each registry event as it happens. */
class EventFeedTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void streamsASnapshotThenRegistryEvents() throws Exception {
    try (OpsServer ops = new OpsServer()) {
      ops.register("c", "e1", 8081, 2, 60);
      HttpResponse<InputStream> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(ops.base() + "/v1/events"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        JsonNode snapshot = next(in, "snapshot");
        JsonNode e1 = snapshot.path("clusters").get(0).path("endpoints").get(0);
        assertThat(e1.path("id").asText()).isEqualTo("e1");
        assertThat(e1.path("capacity").asInt()).isEqualTo(2);
        assertThat(e1.path("locality").path("zone").asText()).isEqualTo("eu-1a");

        ops.active("c", "e1", 2);

        JsonNode event = next(in, "registry");
        assertThat(event.path("kind").asText()).isEqualTo("admission-changed");
        assertThat(event.path("cluster").asText()).isEqualTo("c");
        assertThat(event.path("id").asText()).isEqualTo("e1");
        JsonNode after = next(in, "snapshot");
        assertThat(after.path("admissionChangesPerMinute").toString()).endsWith(",1]");
      }
    }
  }

  /** The data of the next event named {@code name}, skipping others. */
  private static JsonNode next(BufferedReader in, String name) throws Exception {
    String event = null;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ") && name.equals(event)) {
        return MAPPER.readTree(line.substring(6));
      }
    }
    throw new AssertionError("the stream ended before a " + name + " event");
  }
}
