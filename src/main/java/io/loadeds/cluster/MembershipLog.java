package io.loadeds.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import java.util.List;
import java.util.Set;

/**
 * Logs members joining and leaving, with the members left and which of them reaps now (the oldest,
 * the first of Hazelcast's list). Threading: called on Hazelcast's event threads.
 */
final class MembershipLog implements MembershipListener {
  // The replica's logger: these lines sit with its other "cluster:" lines, under one level setting.
  private static final System.Logger LOG = System.getLogger(ClusterReplica.class.getName());

  @Override
  public void memberAdded(MembershipEvent e) {
    log("joined", e);
  }

  @Override
  public void memberRemoved(MembershipEvent e) {
    log("left", e);
  }

  /** The members' addresses, in Hazelcast's order (oldest first). */
  static List<String> addresses(Set<Member> members) {
    return members.stream().map(m -> m.getAddress().toString()).toList();
  }

  private void log(String what, MembershipEvent e) {
    Set<Member> members = e.getMembers();
    LOG.log(
        System.Logger.Level.INFO,
        "cluster: member {0} {1}; {2} member(s) {3}; reaper: {4}",
        e.getMember().getAddress(),
        what,
        members.size(),
        addresses(members),
        members.isEmpty() ? "none" : members.iterator().next().getAddress());
  }
}
