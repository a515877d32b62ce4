package io.loadeds.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The endpoint map's events, sorted into the two a replica acts on: a record that is now in the map
 * (added, updated, or won a split brain's merge) and a key that left it (removed, expired after its
 * retention, evicted).
 *
 * <p>Threading: called on Hazelcast's event threads, one key always on the same one; the callbacks
 * run there.
 */
final class MapEvents
    implements EntryAddedListener<String, ReplicatedRecord>,
        EntryUpdatedListener<String, ReplicatedRecord>,
        EntryRemovedListener<String, ReplicatedRecord>,
        EntryExpiredListener<String, ReplicatedRecord>,
        EntryEvictedListener<String, ReplicatedRecord>,
        EntryMergedListener<String, ReplicatedRecord> {
  private final BiConsumer<String, ReplicatedRecord> onRecord;
  private final Consumer<String> onGone;

  MapEvents(BiConsumer<String, ReplicatedRecord> onRecord, Consumer<String> onGone) {
    this.onRecord = onRecord;
    this.onGone = onGone;
  }

  @Override
  public void entryAdded(EntryEvent<String, ReplicatedRecord> e) {
    onRecord.accept(e.getKey(), e.getValue());
  }

  @Override
  public void entryUpdated(EntryEvent<String, ReplicatedRecord> e) {
    onRecord.accept(e.getKey(), e.getValue());
  }

  /** After a split brain heals, the merged side's records arrive this way. */
  @Override
  public void entryMerged(EntryEvent<String, ReplicatedRecord> e) {
    onRecord.accept(e.getKey(), e.getValue());
  }

  @Override
  public void entryRemoved(EntryEvent<String, ReplicatedRecord> e) {
    onGone.accept(e.getKey());
  }

  @Override
  public void entryExpired(EntryEvent<String, ReplicatedRecord> e) {
    onGone.accept(e.getKey());
  }

  @Override
  public void entryEvicted(EntryEvent<String, ReplicatedRecord> e) {
    onGone.accept(e.getKey());
  }
}
