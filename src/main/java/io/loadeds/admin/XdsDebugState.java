package io.loadeds.admin;

import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.SortedNames;
import io.loadeds.xds.XdsListener;
import io.loadeds.xds.XdsStreamBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every connected xDS stream was last sent and ACKed, per type: the data of {@code
 * /v1/debug/xds} and of the dashboard's client list. An {@link XdsListener}.
 *
 * <p>Thread-safe: each stream reports on its own context, the dump is read on any event loop. A
 * stream's record is guarded by its own monitor (written by one context, read rarely), and the
 * streams sit in a concurrent map, so a dump is consistent per stream but not across streams.
 */
public final class XdsDebugState implements XdsListener {
  /** The NACKs of one type, made at the first: most streams never have one. */
  private static final class Nacks {
    long count;
    String lastVersion;
    String lastError;
  }

  private static final class TypeInfo {
    final ResourceType type;
    final TypeInfo next; // the type reported before this one, or null
    Set<String> names = Set.of();
    boolean wildcard;
    String sentVersion;
    // Kept as its number (XdsStreamBase#nonceValue), not as a string per stream; 0: none yet.
    long sentNonce;
    String ackedVersion;
    Nacks nacks; // null: none

    TypeInfo(ResourceType type, TypeInfo next) {
      this.type = type;
      this.next = next;
    }

    JsonObject json() {
      return new JsonObject()
          .put("subscribed", new JsonArray(SortedNames.copyOf(names).asList()))
          .put("wildcard", wildcard)
          .put("lastSentVersion", sentVersion)
          .put("lastSentNonce", sentNonce > 0 ? Long.toString(sentNonce) : null)
          .put("lastAckedVersion", ackedVersion)
          .put("nackCount", nacks == null ? 0L : nacks.count)
          .put("lastNackVersion", nacks == null ? null : nacks.lastVersion)
          .put("lastNackError", nacks == null ? null : nacks.lastError);
    }
  }

  private static final class StreamInfo {
    final long id;
    final String mode;
    String nodeId = "";
    String userAgent = "";
    // The types reported, in a chain: most streams have one or two, so no array of four.
    TypeInfo types;

    StreamInfo(long id, String mode) {
      this.id = id;
      this.mode = mode;
    }

    TypeInfo type(ResourceType t) {
      for (TypeInfo info = types; info != null; info = info.next) {
        if (info.type == t) {
          return info;
        }
      }
      types = new TypeInfo(t, types);
      return types;
    }

    synchronized JsonObject json() {
      JsonObject perType = new JsonObject();
      for (ResourceType t : ResourceType.values()) { // in type order, whatever the chain's
        for (TypeInfo info = types; info != null; info = info.next) {
          if (info.type == t) {
            perType.put(t.typeUrl(), info.json());
          }
        }
      }
      return new JsonObject()
          .put("streamId", id)
          .put("mode", mode)
          .put("nodeId", nodeId)
          .put("userAgent", userAgent)
          .put("types", perType);
    }
  }

  // A user agent is the same string for every Envoy of a build: kept once, not per stream.
  private static final int USER_AGENTS = 64;

  // Hashed, not sorted: every response and every ACK of every stream looks its record up, and a
  // skip list of a thousand streams costs ten pointer hops per lookup; the dump sorts instead.
  private final Map<Long, StreamInfo> streams = new ConcurrentHashMap<>();
  private final Map<String, String> userAgents = new ConcurrentHashMap<>();

  @Override
  public void streamOpened(long streamId, String mode) {
    streams.putIfAbsent(streamId, new StreamInfo(streamId, mode));
  }

  @Override
  public void streamClosed(long streamId, String mode, String nodeId) {
    streams.remove(streamId);
  }

  @Override
  public void nodeIdentified(long streamId, String nodeId, String userAgent) {
    update(
        streamId,
        s -> {
          s.nodeId = nodeId;
          s.userAgent = shared(userAgent);
        });
  }

  @Override
  public void subscribed(long streamId, ResourceType type, Set<String> names, boolean wildcard) {
    Set<String> copy = SortedNames.copyOf(names); // the stream's own set: shared, not copied
    update(
        streamId,
        s -> {
          TypeInfo t = s.type(type);
          t.names = copy;
          t.wildcard = wildcard;
        });
  }

  @Override
  public void responseSent(
      long streamId, String nodeId, ResourceType type, String version, String nonce) {
    update(
        streamId,
        s -> {
          TypeInfo t = s.type(type);
          t.sentVersion = version;
          t.sentNonce = XdsStreamBase.nonceValue(nonce);
        });
  }

  @Override
  public void acked(long streamId, String nodeId, ResourceType type, String version) {
    update(streamId, s -> s.type(type).ackedVersion = version);
  }

  @Override
  public void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {
    update(
        streamId,
        s -> {
          TypeInfo t = s.type(type);
          if (t.nacks == null) {
            t.nacks = new Nacks();
          }
          t.nacks.count++;
          t.nacks.lastVersion = version;
          t.nacks.lastError = error;
        });
  }

  /**
   * The kept instance of {@code userAgent}. Bounded: past {@value #USER_AGENTS} different ones
   * (clients that make them up), new ones are kept per stream instead.
   */
  private String shared(String userAgent) {
    String kept = userAgents.get(userAgent);
    if (kept != null) {
      return kept;
    }
    if (userAgents.size() >= USER_AGENTS) {
      return userAgent;
    }
    kept = userAgents.putIfAbsent(userAgent, userAgent);
    return kept == null ? userAgent : kept;
  }

  private void update(long streamId, java.util.function.Consumer<StreamInfo> change) {
    StreamInfo s = streams.get(streamId);
    if (s != null) {
      synchronized (s) {
        change.accept(s);
      }
    }
  }

  /** {@code {"streams": [...]}}, one entry per connected stream, ordered by stream id. */
  public JsonObject dump() {
    List<StreamInfo> sorted = new ArrayList<>(streams.values());
    sorted.sort(Comparator.comparingLong(s -> s.id));
    JsonArray list = new JsonArray();
    sorted.forEach(s -> list.add(s.json()));
    return new JsonObject().put("streams", list);
  }
}
