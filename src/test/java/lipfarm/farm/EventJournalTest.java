package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The service's event log: ids, filters, parked readers, and what a reader lost. */
class EventJournalTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  // The journal's global ordering of each appended event: 1, 2, ... per log, as from one journal.
  private static final java.util.Map<ActorRef<?>, Long> offsets = new java.util.HashMap<>();

  private static void append(
      ActorRef<EventJournal.Command> log, String farm, long seq, FarmEvent e) {
    long offset = offsets.merge(log, 1L, Long::sum);
    log.tell(
        new EventJournal.Append(
            new Reporter.Recorded(
                farm,
                seq,
                Instant.now(),
                e,
                "{\"farm\":\"" + farm + "\",\"seq\":" + seq + "}",
                offset)));
  }

  @Test
  void numbersFiltersParksAndReportsLoss() {
    ActorRef<EventJournal.Command> log =
        testKit.spawn(EventJournal.create(4, Duration.ofMillis(300)));
    TestProbe<EventJournal.Batch> reader = testKit.createTestProbe();
    TestProbe<Long> head = testKit.createTestProbe();

    // Nothing yet: the fetch parks and then times out with an empty batch.
    log.tell(new EventJournal.Fetch(0, EventJournal.Filter.ALL, 10, reader.ref()));
    EventJournal.Batch empty = reader.receiveMessage(Duration.ofSeconds(3));
    assertThat(empty.entries()).isEmpty();

    // A parked reader is woken by the first matching event only.
    log.tell(
        new EventJournal.Fetch(
            0, new EventJournal.Filter(Set.of("b"), Set.of()), 10, reader.ref()));
    append(log, "a", 1, new FarmStarted("a", 1, 1));
    reader.expectNoMessage(Duration.ofMillis(100));
    append(log, "b", 1, new FarmStarted("b", 1, 1));
    EventJournal.Batch woken = reader.receiveMessage();
    assertThat(woken.entries())
        .extracting(EventJournal.Entry::id, EventJournal.Entry::farm)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, "b"));
    assertThat(woken.next()).isEqualTo(2);

    append(log, "a", 2, new FarmFinished("a", 1, 0, 1));
    append(log, "b", 2, new FarmFinished("b", 1, 0, 1));
    log.tell(new EventJournal.GetHead(head.ref()));
    assertThat(head.receiveMessage()).isEqualTo(4);

    // Type filter and max.
    log.tell(
        new EventJournal.Fetch(
            0, new EventJournal.Filter(Set.of(), Set.of("FarmFinished")), 10, reader.ref()));
    assertThat(reader.receiveMessage().entries())
        .extracting(EventJournal.Entry::id)
        .containsExactly(3L, 4L);
    log.tell(new EventJournal.Fetch(1, EventJournal.Filter.ALL, 2, reader.ref()));
    EventJournal.Batch two = reader.receiveMessage();
    assertThat(two.entries()).extracting(EventJournal.Entry::id).containsExactly(2L, 3L);
    assertThat(two.next()).isEqualTo(3);
    assertThat(two.entries().get(0).type()).isEqualTo("FarmStarted");
    assertThat(two.entries().get(0).seq()).isEqualTo(1);

    // Capacity 4: after two more, ids 1 and 2 are gone; a reader at 0 is told so.
    append(log, "c", 1, new FarmStarted("c", 1, 1));
    append(log, "c", 2, new FarmFinished("c", 1, 0, 1));
    log.tell(new EventJournal.Fetch(0, EventJournal.Filter.ALL, 10, reader.ref()));
    EventJournal.Batch lost = reader.receiveMessage();
    assertThat(lost.lostFrom()).isEqualTo(1);
    assertThat(lost.lostTo()).isEqualTo(2);
    assertThat(lost.entries()).extracting(EventJournal.Entry::id).containsExactly(3L, 4L, 5L, 6L);
  }

  @Test
  void meteredMailboxCountsWaitingMessages() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    TestProbe<String> seen = testKit.createTestProbe();
    ActorRef<String> slow =
        testKit.spawn(
            Behaviors.receiveMessage(
                m -> {
                  release.await();
                  seen.ref().tell(m);
                  return Behaviors.same();
                }),
            "slow",
            org.apache.pekko.actor.typed.MailboxSelector.fromConfig(MailboxBacklog.MAILBOX));
    MailboxBacklog backlog = MailboxBacklog.get(testKit.system());
    for (int i = 0; i < 6; i++) {
      slow.tell("m" + i);
    }
    // The first message is being processed (blocked); five wait.
    long deadline = System.nanoTime() + 3_000_000_000L;
    while (backlog.backlog(slow.path()) != 5 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(backlog.backlog(slow.path())).isEqualTo(5);
    release.countDown();
    for (int i = 0; i < 6; i++) {
      assertThat(seen.receiveMessage()).isEqualTo("m" + i);
    }
    assertThat(backlog.backlog(slow.path())).isZero();
    testKit.stop(slow);
    assertThat(backlog.backlog(slow.path())).isZero();
  }
}
