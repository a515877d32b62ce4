package io.loadeds.demo.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class XdsBootstrapTest {

  @Test
  void namesOneInsecureV3ServerAndAUniqueNode() {
    JsonObject a = JsonParser.parseString(XdsBootstrap.json("127.0.0.1:18000")).getAsJsonObject();
    JsonObject b = JsonParser.parseString(XdsBootstrap.json("127.0.0.1:18000")).getAsJsonObject();

    JsonObject server = a.getAsJsonArray("xds_servers").get(0).getAsJsonObject();
    assertThat(server.get("server_uri").getAsString()).isEqualTo("127.0.0.1:18000");
    assertThat(
            server
                .getAsJsonArray("channel_creds")
                .get(0)
                .getAsJsonObject()
                .get("type")
                .getAsString())
        .isEqualTo("insecure");
    assertThat(server.getAsJsonArray("server_features").get(0).getAsString()).isEqualTo("xds_v3");
    JsonObject node = a.getAsJsonObject("node");
    assertThat(node.get("id").getAsString()).startsWith("demo-client-");
    assertThat(node.get("cluster").getAsString()).isEqualTo("demo-client");
    assertThat(node.get("id")).isNotEqualTo(b.getAsJsonObject("node").get("id"));
  }
}
