package lipfarm.farm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The service's event stream: every recorded event of every farm, identified by the journal's
 * global ordering of the persisted event (the SSE {@code id}: increasing, stable across restarts,
 * not necessarily consecutive), the newest ones kept in a ring of bounded capacity (rebuilt from
 * the journal on start). Readers pull: {@link Fetch} returns the next matching entries after a
 * position, or waits (parks) until one arrives or {@code parkTimeout} passes, so a slow reader only
 * lags and never loses events that are still retained, and a fast farm never blocks on a reader.
 */
public final class EventJournal extends AbstractBehavior<EventJournal.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  /** Append an event recorded by a farm's reporter. */
  public record Append(Reporter.Recorded recorded) implements Command {}

  /**
   * Reply with the entries after {@code after} that match {@code filter}, at most {@code max}.
   * Replies at once if there are any, otherwise when one arrives or after the park timeout (with
   * none).
   */
  public record Fetch(long after, Filter filter, int max, ActorRef<Batch> replyTo)
      implements Command {}

  /** Reply with the id of the newest entry (0 if none). */
  public record GetHead(ActorRef<Long> replyTo) implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /**
   * Which events a reader wants.
   *
   * @param farms farm ids; empty = all
   * @param types event types (record names such as {@code RunFinished}); empty = all
   */
  public record Filter(Set<String> farms, Set<String> types) implements LipfarmSerializable {
    public static final Filter ALL = new Filter(Set.of(), Set.of());

    public Filter {
      farms = Set.copyOf(farms);
      types = Set.copyOf(types);
    }

    boolean matches(Entry e) {
      return (farms.isEmpty() || farms.contains(e.farm()))
          && (types.isEmpty() || types.contains(e.type()));
    }
  }

  /**
   * One logged event.
   *
   * @param id the journal's global ordering of the event, the SSE id
   * @param seq the farm's own sequence number, as in its {@code events.ndjson}
   * @param json the event's {@code events.ndjson} line
   */
  public record Entry(long id, String farm, long seq, String type, String json)
      implements LipfarmSerializable {}

  /**
   * @param next the position to fetch after next time
   * @param lostFrom if positive, entries {@code lostFrom..lostTo} were dropped from the ring before
   *     this reader got them
   */
  public record Batch(long next, List<Entry> entries, long lostFrom, long lostTo)
      implements LipfarmSerializable {}

  private static final class Parked {
    long after;
    final Filter filter;
    final ActorRef<Batch> replyTo;
    final long deadlineNanos;

    Parked(long after, Filter filter, ActorRef<Batch> replyTo, long deadlineNanos) {
      this.after = after;
      this.filter = filter;
      this.replyTo = replyTo;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final Entry[] ring; // circular: size entries from start, ids increasing
  private int start;
  private int size;
  private final Duration parkTimeout;
  private final List<Parked> parked = new ArrayList<>();
  private long head; // id of the newest entry
  private long evictedUpTo; // id of the newest entry dropped from the ring

  /**
   * @param capacity how many of the newest events are kept for readers and resume
   * @param parkTimeout how long a {@link Fetch} with nothing to return waits
   */
  public static Behavior<Command> create(int capacity, Duration parkTimeout) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(timers -> new EventJournal(ctx, timers, capacity, parkTimeout)));
  }

  private EventJournal(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      int capacity,
      Duration parkTimeout) {
    super(context);
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be ≥ 1, got " + capacity);
    }
    this.ring = new Entry[capacity];
    this.parkTimeout = parkTimeout;
    Duration tick =
        parkTimeout.dividedBy(4).compareTo(Duration.ofMillis(50)) < 0
            ? Duration.ofMillis(50)
            : parkTimeout.dividedBy(4);
    timers.startTimerWithFixedDelay(Tick.INSTANCE, tick);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Append.class, this::onAppend)
        .onMessage(Fetch.class, this::onFetch)
        .onMessage(
            GetHead.class,
            g -> {
              g.replyTo().tell(head);
              return this;
            })
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .build();
  }

  private Behavior<Command> onAppend(Append a) {
    Reporter.Recorded r = a.recorded();
    if (r.offset() <= head) {
      return this; // replayed twice (a restarted projection): already here
    }
    head = r.offset();
    Entry e = new Entry(head, r.farm(), r.seq(), r.event().getClass().getSimpleName(), r.json());
    if (size == ring.length) {
      evictedUpTo = ring[start].id();
      ring[start] = e;
      start = (start + 1) % ring.length;
    } else {
      ring[(start + size) % ring.length] = e;
      size++;
    }
    Iterator<Parked> it = parked.iterator();
    while (it.hasNext()) {
      Parked p = it.next();
      if (e.id() <= p.after) {
        continue; // a reader ahead of a replay that is still catching up
      }
      if (p.filter.matches(e)) {
        p.replyTo.tell(new Batch(e.id(), List.of(e), 0, 0));
        it.remove();
      } else {
        p.after = e.id();
      }
    }
    return this;
  }

  private Behavior<Command> onFetch(Fetch f) {
    // Ids are the journal's, kept across restarts: an id beyond the head is not clamped (the
    // restarted service may still be replaying up to it); the reader waits for later events.
    long after = Math.max(0, f.after());
    long lostFrom = 0;
    long lostTo = 0;
    if (after < evictedUpTo) {
      lostFrom = after + 1;
      lostTo = evictedUpTo;
      after = evictedUpTo;
    }
    List<Entry> out = new ArrayList<>();
    long next = after;
    for (int i = firstAfter(after); i < size && out.size() < f.max(); i++) {
      Entry e = at(i);
      next = e.id();
      if (f.filter().matches(e)) {
        out.add(e);
      }
    }
    if (out.isEmpty() && lostFrom == 0) {
      parked.add(
          new Parked(next, f.filter(), f.replyTo(), System.nanoTime() + parkTimeout.toNanos()));
    } else {
      f.replyTo().tell(new Batch(next, List.copyOf(out), lostFrom, lostTo));
    }
    return this;
  }

  private Entry at(int i) {
    return ring[(start + i) % ring.length];
  }

  /** Index of the first retained entry with an id above {@code after} (binary search). */
  private int firstAfter(long after) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (at(mid).id() <= after) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private Behavior<Command> onTick() {
    long now = System.nanoTime();
    Iterator<Parked> it = parked.iterator();
    while (it.hasNext()) {
      Parked p = it.next();
      if (now - p.deadlineNanos >= 0) {
        p.replyTo.tell(new Batch(p.after, List.of(), 0, 0));
        it.remove();
      }
    }
    return this;
  }
}
