package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.registration.ApiServer.Answer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many clients at once against a port served by several event loops, which share one API instance:
 * no registration is lost, and a service's existence never disagrees with its hosts.
 */
class ConcurrentRequestsTest {
  ApiServer api;

  @BeforeEach
  void start() {
    api = ApiServer.start(4);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void concurrentRegistrationsAreAllKept() {
    List<CompletableFuture<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String body = "{\"address\":\"10.0." + (i / 250) + "." + (i % 250 + 1) + "\",\"port\":80}";
      answers.add(api.sendAsync("PUT", "/v1/clusters/echo/endpoints/b-" + i, body));
    }

    assertThat(answers.stream().map(CompletableFuture::join)).containsOnly(201);
    JsonNode counts = api.get("/v1/clusters/echo").json().path("counts");
    assertThat(counts.path("endpoints").asInt()).isEqualTo(200);
    assertThat(counts.path("admitted").asInt()).isEqualTo(200);
  }

  @Test
  void concurrentPostsOfOneServiceCreateItOnce() {
    List<CompletableFuture<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String body = "{\"hosts\":[{\"ip_address\":\"10.0.1." + (i + 1) + "\",\"port\":8080}]}";
      answers.add(api.sendAsync("POST", "/edsservice/svc", body));
    }

    List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
    assertThat(statuses).containsOnly(201, 409);
    assertThat(statuses.stream().filter(s -> s == 201)).hasSize(1);
    assertThat(api.get("/edsservice/svc").json().path("hosts")).hasSize(1);
  }

  @Test
  void aServiceExistsExactlyWhenItsHostsDo() {
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      List<CompletableFuture<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String hosts = "{\"hosts\":[{\"ip_address\":\"10.0.2." + (i + 1) + "\",\"port\":80}]}";
        switch (random.nextInt(3)) {
          case 0 -> answers.add(api.sendAsync("POST", "/edsservice/svc", hosts));
          case 1 -> answers.add(api.sendAsync("PUT", "/edsservice/svc", hosts));
          default -> answers.add(api.sendAsync("DELETE", "/edsservice/svc", ""));
        }
      }
      answers.forEach(CompletableFuture::join);

      Answer service = api.get("/edsservice/svc");
      Answer cluster = api.get("/v1/clusters/svc");
      if (service.status() == 404) {
        assertThat(cluster.status()).as("round %d", round).isEqualTo(404);
      } else {
        assertThat(service.json().path("hosts")).hasSize(1);
        assertThat(cluster.json().path("endpoints")).hasSize(1);
      }
    }
  }
}
