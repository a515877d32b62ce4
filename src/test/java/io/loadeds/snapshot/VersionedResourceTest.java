package io.loadeds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Versions of responses are hashes of the names and versions they carry. They must not change from
 * one release to the next for the same content: a restarted or upgraded server would otherwise make
 * every client that reconnects download what it holds already.
 */
class VersionedResourceTest {

  /** The definition: SHA-256 over each part's UTF-8 bytes followed by a 0 byte, 16 hex digits. */
  private static String reference(List<String> parts) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (String p : parts) {
      d.update(p.getBytes(StandardCharsets.UTF_8));
      d.update((byte) 0);
    }
    return HexFormat.of().formatHex(d.digest(), 0, 8);
  }

  @Test
  void aHashOfPartsFollowsTheDefinitionForAsciiAndOtherText() throws Exception {
    List<String> ascii = List.of("ENDPOINT", "checkout", "3f9a0c1d2e4b5a6f", "payments", "x");
    List<String> other = List.of("ENDPOINT", "kasse-zürich", "v1", "支付", "", "é");
    String longPart = "n".repeat(1000); // longer than the per-thread buffer starts

    assertThat(VersionedResource.hash(ascii)).isEqualTo(reference(ascii));
    assertThat(VersionedResource.hash(other)).isEqualTo(reference(other));
    assertThat(VersionedResource.hash(List.of(longPart, "a")))
        .isEqualTo(reference(List.of(longPart, "a")));
  }

  @Test
  void packingAResourceWhileAVersionIsBeingHashedDoesNotDisturbIt() throws Exception {
    // What a response to a name with no endpoints does: its placeholder is packed (and hashed)
    // between the parts of the response's version.
    VersionedResource.Hasher h = new VersionedResource.Hasher().add("ENDPOINT").add("a").add("v1");
    VersionedResource placeholder =
        VersionedResource.of(
            ResourceType.ENDPOINT, "nobody", ResourceBuilder.emptyAssignment("nobody"));
    String version = h.add("nobody").add(placeholder.version()).done();

    assertThat(version)
        .isEqualTo(reference(List.of("ENDPOINT", "a", "v1", "nobody", placeholder.version())));
  }

  @Test
  void partsAreSeparatedAndAHasherCanBeUsedAgainAfterwardsOnTheSameThread() throws Exception {
    String split1 = new VersionedResource.Hasher().add("ab").add("c").done();
    String split2 = new VersionedResource.Hasher().add("a").add("bc").done();

    assertThat(split1).isNotEqualTo(split2);
    assertThat(split1).isEqualTo(reference(List.of("ab", "c")));
    assertThat(split2).isEqualTo(reference(List.of("a", "bc")));
  }
}
