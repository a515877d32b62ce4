package io.loadeds.demo.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loadeds.demo.backend.StreamGate.Admission;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamGateTest {

  private final List<Integer> reported = new ArrayList<>();
  private final StreamGate gate = new StreamGate(3, new Log(), reported::add);

  @Test
  void admitsUpToCapacityThenRefusesAndReportsEveryChange() {
    assertThat(gate.tryAdmit()).isEqualTo(Admission.ADMITTED);
    assertThat(gate.tryAdmit()).isEqualTo(Admission.ADMITTED);
    assertThat(gate.tryAdmit()).isEqualTo(Admission.ADMITTED);
    assertThat(gate.tryAdmit()).isEqualTo(Admission.FULL);
    gate.release();
    assertThat(gate.tryAdmit()).isEqualTo(Admission.ADMITTED);

    // A refusal changes nothing, so it reports nothing.
    assertThat(reported).containsExactly(1, 2, 3, 2, 3);
    assertThat(gate.active()).isEqualTo(3);
  }

  @Test
  void drainingRefusesNewStreamsButLetsAdmittedOnesEnd() {
    gate.tryAdmit();
    gate.drain();
    assertThat(gate.tryAdmit()).isEqualTo(Admission.DRAINING);
    gate.release();
    assertThat(gate.active()).isZero();
    assertThat(reported).containsExactly(1, 0);
  }

  @Test
  void aReleaseWithoutAnAdmittedStreamIsABug() {
    assertThatThrownBy(gate::release).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void runningMaxAnswersOnlyWhenTheMaximumGrows() {
    MaxStreamHandler.RunningMax max = new MaxStreamHandler.RunningMax();
    List<Integer> answers = new ArrayList<>();
    for (int n : new int[] {-5, -7, 2, 2, 1, 9, 3}) {
      if (max.offer(n)) {
        answers.add(max.value());
      }
    }
    assertThat(answers).containsExactly(-5, 2, 9);
  }
}
