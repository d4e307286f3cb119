package io.contactsbridge.journal.camel;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalGroups;
import io.contactsbridge.journal.JournalParking;
import io.contactsbridge.journal.JournalProperties;
import io.contactsbridge.journal.JournalSignal;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The {@code journal:} component: {@code journal:<consumer>?sources=...&eventTypes=...&partitions=N} consumes the
 * durable journal as the named consumer (see {@link JournalEndpoint}). The Spring bean's name, {@code journal}, is
 * the URI scheme. One lease owner id per application (the instance id plus a random suffix, so two processes
 * never mistake each other's leases for their own), and one running consumer per consumer id in it.
 */
@org.springframework.stereotype.Component("journal")
public class JournalComponent extends DefaultComponent {

    private final JournalStore store;
    private final JournalSignal signal;
    private final JournalProperties props;
    private final ObjectMapper json;
    private final ShutdownSignal shutdown;
    private final String owner;
    private final ConcurrentMap<String, JournalConsumer> running = new ConcurrentHashMap<>();
    private JournalGroups groups;
    private JournalParking parking;

    @Autowired
    public JournalComponent(JournalStore store, JournalSignal signal, JournalProperties props, ObjectMapper json,
                            BridgeProperties bridge, ShutdownSignal shutdown) {
        this(store, signal, props, json, bridge.instance() == null ? null : bridge.instance().id(), shutdown);
    }

    /** Outside Spring (tests): {@code instanceId} stands for a replica. */
    public JournalComponent(JournalStore store, JournalSignal signal, JournalProperties props, ObjectMapper json,
                            String instanceId, ShutdownSignal shutdown) {
        this.store = store;
        this.signal = signal;
        this.props = props;
        this.json = json;
        this.shutdown = shutdown;
        String instance = instanceId == null || instanceId.isBlank() ? "bridge" : instanceId;
        this.owner = instance + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        JournalEndpoint endpoint = new JournalEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.subscription(); // a wrong setting fails the route's start with a message saying which
        return endpoint;
    }

    /**
     * Keeps groups (connection pairs) apart: one group's failing or slow events are parked instead of holding up the
     * others' (see {@link JournalGroups}). Without it every failure blocks its partition.
     */
    @Autowired(required = false)
    public void setPairIsolation(JournalGroups groups, JournalParking parking) {
        this.groups = groups;
        this.parking = parking;
    }

    JournalGroups groups() {
        return groups;
    }

    JournalParking parking() {
        return parking;
    }

    /** The lease owner id of this application (status: consumingNow). */
    public String owner() {
        return owner;
    }

    JournalStore store() {
        return store;
    }

    JournalSignal signal() {
        return signal;
    }

    JournalProperties props() {
        return props;
    }

    ObjectMapper json() {
        return json;
    }

    ShutdownSignal shutdownSignal() {
        return shutdown;
    }

    /**
     * Two consumers of one consumer id in one application would share its leases as one owner and deliver the same
     * events twice: the second one does not start.
     */
    void starting(JournalConsumer consumer) {
        String id = consumer.getEndpoint().getConsumer();
        JournalConsumer other = running.putIfAbsent(id, consumer);
        if (other != null && other != consumer) {
            throw new IllegalArgumentException("Journal consumer id '" + id + "' is already used by route '"
                    + other.getRouteId() + "' (reading " + other.getEndpoint().getSources() + "); give each trigger "
                    + "route its own consumer id");
        }
    }

    void stopped(JournalConsumer consumer) {
        running.remove(consumer.getEndpoint().getConsumer(), consumer);
    }
}
