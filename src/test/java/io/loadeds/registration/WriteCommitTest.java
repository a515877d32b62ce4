package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The order {@link WriteCommit#LOCAL} promises on an event loop: the pushes a write queues to
 * streams on the same loop run before the write's REST answer is produced.
 */
class WriteCommitTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aPushQueuedOnTheSameLoopByTheWriteRunsBeforeTheAnswer() throws Exception {
    List<String> order = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Context loop = vertx.getOrCreateContext();
    loop.runOnContext(
        v ->
            WriteCommit.LOCAL
                .commit(
                    null,
                    () -> {
                      // What a registry change does for a stream on this loop: queue its push.
                      loop.runOnContext(push -> order.add("push"));
                      return "written";
                    })
                .onComplete(
                    (result, err) -> {
                      order.add("answer " + result);
                      done.complete(null);
                    }));
    done.get(10, TimeUnit.SECONDS);
    assertThat(order).containsExactly("push", "answer written");
  }

  @Test
  void aRefusedWriteThrowsOnTheCallersThreadAndCommitsNothing() throws Exception {
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          try {
            WriteCommit.LOCAL.commit(
                null,
                () -> {
                  throw new IllegalArgumentException("weight must be positive");
                });
            thrown.complete(null);
          } catch (IllegalArgumentException e) {
            thrown.complete(e);
          }
        });
    assertThat(thrown.get(10, TimeUnit.SECONDS)).hasMessage("weight must be positive");
  }

  @Test
  void offAnEventLoopTheAnswerIsReadyAtOnce() {
    Future<String> f = WriteCommit.LOCAL.commit(null, () -> "written");
    assertThat(f.succeeded()).isTrue();
    assertThat(f.result()).isEqualTo("written");
    assertThatThrownBy(
            () ->
                WriteCommit.LOCAL.commit(
                    null,
                    () -> {
                      throw new IllegalStateException("full");
                    }))
        .hasMessage("full");
  }
}
