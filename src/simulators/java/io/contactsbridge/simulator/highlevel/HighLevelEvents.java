package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The HighLevel simulator's event bus: the listeners (the webhook publisher) and the last events, kept for inspection.
 * One for all of {@link HighLevelState}'s parts; they emit under the state's lock, so listeners see changes in order.
 */
final class HighLevelEvents {

    private static final System.Logger LOG = System.getLogger(HighLevelState.class.getName());
    private static final int RECENT_EVENTS = 1000;

    private final Object lock;
    private final List<HighLevelEventListener> listeners = new CopyOnWriteArrayList<>();
    private final Deque<HighLevelEvent> recentEvents = new ArrayDeque<>();

    HighLevelEvents(Object lock) {
        this.lock = lock;
    }

    void addListener(HighLevelEventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeListener(HighLevelEventListener listener) {
        listeners.remove(listener);
    }

    /** The last {@value #RECENT_EVENTS} events, oldest first. */
    List<HighLevelEvent> recentEvents() {
        synchronized (lock) {
            return List.copyOf(recentEvents);
        }
    }

    /** Called under the state's lock. */
    void emit(String type, String locationId, ObjectNode entity) {
        HighLevelEvent event = new HighLevelEvent(type, locationId, entity);
        recentEvents.addLast(event);
        while (recentEvents.size() > RECENT_EVENTS) {
            recentEvents.removeFirst();
        }
        for (HighLevelEventListener listener : listeners) {
            try {
                // Each listener gets its own copy: the entity is mutable JSON.
                listener.onEvent(new HighLevelEvent(type, locationId, entity.deepCopy()));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "HighLevel event listener failed on " + type, e);
            }
        }
    }

    void clear() {
        recentEvents.clear();
    }
}
