package lipfarm.farm;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;
import scala.Option;

/**
 * How many messages wait in the mailbox of an actor spawned with {@link #MAILBOX}. One registry per
 * actor system (a Pekko extension), so there is no JVM-global state; the service reads it for the
 * {@code lipfarm.coordinator.mailbox.backlog} gauge.
 */
public final class MailboxBacklog implements Extension {

  /** Config path of the counting mailbox (defined in reference.conf). */
  public static final String MAILBOX = "lipfarm.metered-mailbox";

  private static final Id ID = new Id();

  private final ConcurrentMap<ActorPath, CountingQueue> queues = new ConcurrentHashMap<>();

  public static MailboxBacklog get(ActorSystem system) {
    return ID.get(system);
  }

  public static MailboxBacklog get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return ID.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
  }

  /** Messages waiting for the actor at {@code path}; 0 once it has stopped. */
  public int backlog(ActorPath path) {
    CountingQueue q = queues.get(path);
    return q == null ? 0 : q.size.get();
  }

  private static final class Id extends AbstractExtensionId<MailboxBacklog> {
    @Override
    public MailboxBacklog createExtension(ExtendedActorSystem system) {
      return new MailboxBacklog();
    }
  }

  /** The mailbox type named by {@link #MAILBOX}: an unbounded queue with an O(1) size. */
  public static final class Counting implements MailboxType, ProducesMessageQueue<CountingQueue> {
    public Counting(ActorSystem.Settings settings, com.typesafe.config.Config config) {}

    @Override
    public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
      if (owner.isDefined() && system.isDefined()) {
        MailboxBacklog registry = get(system.get());
        ActorPath path = owner.get().path();
        CountingQueue q = new CountingQueue(() -> registry.queues.remove(path));
        registry.queues.put(path, q);
        return q;
      }
      return new CountingQueue(() -> {});
    }
  }

  /** An unbounded message queue that counts what it holds. */
  public static final class CountingQueue implements MessageQueue, UnboundedMessageQueueSemantics {
    private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final Runnable onCleanUp;

    CountingQueue(Runnable onCleanUp) {
      this.onCleanUp = onCleanUp;
    }

    @Override
    public void enqueue(ActorRef receiver, Envelope handle) {
      queue.add(handle);
      size.incrementAndGet();
    }

    @Override
    public Envelope dequeue() {
      Envelope e = queue.poll();
      if (e != null) {
        size.decrementAndGet();
      }
      return e;
    }

    @Override
    public int numberOfMessages() {
      return size.get();
    }

    @Override
    public boolean hasMessages() {
      return !queue.isEmpty();
    }

    @Override
    public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
      onCleanUp.run();
      Envelope e;
      while ((e = dequeue()) != null) {
        deadLetters.enqueue(owner, e);
      }
    }
  }
}
