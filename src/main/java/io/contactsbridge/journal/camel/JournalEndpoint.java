package io.contactsbridge.journal.camel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.contactsbridge.journal.JournalReader;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalSubscription;
import io.contactsbridge.journal.StartFrom;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.MultipleConsumersSupport;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * A durable journal consumer: {@code journal:<consumer>?sources=a,b&eventTypes=X,Y&partitions=N}. Each message is
 * one journal event, its payload as a Map and the headers of {@link io.contactsbridge.journal.JournalHeaders}. Per
 * contact in order; an event is committed only after the route returned without an unhandled failure; a failed
 * event is retried with back-off before any later event of its partition. Consumer only. Its figures (events
 * delivered, committed, failed) are JMX attributes of the endpoint, which Hawtio shows.
 */
@UriEndpoint(firstVersion = "4.17.0", scheme = "journal", title = "Journal", syntax = "journal:consumer",
        consumerOnly = true, category = {Category.MESSAGING})
@ManagedResource(description = "Journal consumer")
public class JournalEndpoint extends DefaultEndpoint implements MultipleConsumersSupport {

    @UriPath(description = "Names the route's durable position in the journal; unique per trigger route (letters, "
            + "digits, '.', '_', '-')")
    @Metadata(required = true)
    private final String consumer;
    @UriParam(description = "Comma-separated journal sources to read: highlevel-webhook, highlevel-poll, birdsend-poll, "
            + "birdsend-notification")
    @Metadata(required = true)
    private String sources;
    @UriParam(description = "Comma-separated event types to deliver; not set delivers every type")
    private String eventTypes;
    @UriParam(defaultValue = "1", description = "Splits the events by contact into this many partitions; each is "
            + "delivered in order by one replica at a time, so several replicas can share the work")
    private int partitions = 1;
    @UriParam(defaultValue = "1000", description = "How often (ms) the journal is checked for events appended by other "
            + "replicas; events appended in this replica are delivered at once")
    private long pollIntervalMs = 1000;
    @UriParam(defaultValue = "earliest", enums = "earliest,latest", description = "Where a consumer id seen for the "
            + "first time starts: earliest (every event still in the journal) or latest (only new events)")
    private String startFrom = "earliest";
    @UriParam(defaultValue = "map", enums = "map,json", description = "The body's type: map (the payload as a Map, for "
            + "simple expressions such as ${body[email]}) or json (a Jackson JsonNode, for Java beans that read JSON)")
    private String bodyAs = "map";
    @UriParam(defaultValue = "true", description = "With several connection pairs, park a pair's events that fail or "
            + "run longer than bridge.journal.pair-inline-limit, so that they hold up no other pair's (false: every "
            + "failure blocks its partition)")
    private boolean isolatePairs = true;

    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastCommittedSeq = new AtomicLong(-1);
    private final AtomicReference<String> lastFailure = new AtomicReference<>();

    JournalEndpoint(String uri, JournalComponent component, String consumer) {
        super(uri, component);
        this.consumer = consumer;
    }

    @Override
    public JournalComponent getComponent() {
        return (JournalComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("journal: is consumer only (" + getEndpointUri() + "); events are "
                + "appended by the bridge's inbound webhooks and pollers");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        JournalConsumer journalConsumer = new JournalConsumer(this, processor);
        configureConsumer(journalConsumer);
        return journalConsumer;
    }

    /**
     * Camel's own check would refuse a second start of a route whose first start failed half-way (its consumer counts
     * as a clash with itself); {@link JournalComponent} refuses a second consumer of one consumer id instead, by name.
     */
    @Override
    public boolean isMultipleConsumersSupported() {
        return true;
    }

    /** What this endpoint reads; throws {@link IllegalArgumentException} naming a wrong setting. */
    public JournalSubscription subscription() {
        JournalSubscription sub = JournalSubscription.of(consumer, sources, eventTypes, partitions);
        JournalSources.requireKnownTypes(sub.sources(), sub.eventTypes());
        StartFrom.parse(startFrom);
        if (!"map".equals(bodyAs) && !"json".equals(bodyAs)) {
            throw new IllegalArgumentException("bodyAs of journal consumer '" + consumer + "' must be map or json, got '"
                    + bodyAs + "'");
        }
        if (pollIntervalMs < 1) {
            throw new IllegalArgumentException("pollIntervalMs of journal consumer '" + consumer
                    + "' must be at least 1, got " + pollIntervalMs);
        }
        return sub;
    }

    JournalReader newReader() {
        JournalComponent c = getComponent();
        return new JournalReader(c.store(), c.signal(), c.props(), c.shutdownSignal(), subscription(),
                StartFrom.parse(startFrom), pollIntervalMs, c.owner());
    }

    // ---- figures (JMX) --------------------------------------------------------------------------

    void polledBatch() {
        polls.incrementAndGet();
    }

    void delivering() {
        delivered.incrementAndGet();
    }

    void committed(long seq) {
        committed.incrementAndGet();
        lastCommittedSeq.set(seq);
    }

    void failed(String failure) {
        failed.incrementAndGet();
        lastFailure.set(failure);
    }

    @ManagedAttribute(description = "Batches leased (one partition each) since the start")
    public long getBatchesLeased() {
        return polls.get();
    }

    @ManagedAttribute(description = "Events handed to the route since the start, retries included")
    public long getEventsDelivered() {
        return delivered.get();
    }

    @ManagedAttribute(description = "Events committed after the route succeeded, since the start")
    public long getEventsCommitted() {
        return committed.get();
    }

    @ManagedAttribute(description = "Events whose route failed since the start (each is retried)")
    public long getEventsFailed() {
        return failed.get();
    }

    @ManagedAttribute(description = "Journal seq of the event committed last; -1 before the first")
    public long getLastCommittedSeq() {
        return lastCommittedSeq.get();
    }

    @ManagedAttribute(description = "The last failure of the route, if any")
    public String getLastFailure() {
        return lastFailure.get();
    }

    @ManagedAttribute(description = "This application's lease owner id")
    public String getLeaseOwner() {
        return getComponent().owner();
    }

    // ---- options --------------------------------------------------------------------------------

    @ManagedAttribute(description = "Consumer id")
    public String getConsumer() {
        return consumer;
    }

    @ManagedAttribute(description = "Journal sources read")
    public String getSources() {
        return sources;
    }

    public void setSources(String sources) {
        this.sources = sources;
    }

    @ManagedAttribute(description = "Event types delivered (empty: all)")
    public String getEventTypes() {
        return eventTypes;
    }

    public void setEventTypes(String eventTypes) {
        this.eventTypes = eventTypes;
    }

    @ManagedAttribute(description = "Partitions")
    public int getPartitions() {
        return partitions;
    }

    public void setPartitions(int partitions) {
        this.partitions = partitions;
    }

    @ManagedAttribute(description = "Poll interval (ms)")
    public long getPollIntervalMs() {
        return pollIntervalMs;
    }

    public void setPollIntervalMs(long pollIntervalMs) {
        this.pollIntervalMs = pollIntervalMs;
    }

    @ManagedAttribute(description = "Where a new consumer id starts")
    public String getStartFrom() {
        return startFrom;
    }

    public void setStartFrom(String startFrom) {
        this.startFrom = startFrom;
    }

    public String getBodyAs() {
        return bodyAs;
    }

    public void setBodyAs(String bodyAs) {
        this.bodyAs = bodyAs;
    }

    /** Whether the body is a JsonNode rather than a Map. */
    boolean bodyAsJson() {
        return "json".equals(bodyAs);
    }

    @ManagedAttribute(description = "Whether a pair's failing or slow events are parked apart from the other pairs'")
    public boolean isIsolatePairs() {
        return isolatePairs;
    }

    public void setIsolatePairs(boolean isolatePairs) {
        this.isolatePairs = isolatePairs;
    }
}
