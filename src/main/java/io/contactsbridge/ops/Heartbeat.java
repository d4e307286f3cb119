package io.contactsbridge.ops;

import java.util.concurrent.atomic.AtomicBoolean;

import io.contactsbridge.store.HeartbeatRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * The bean the YAML {@code heartbeat} route calls: stamps this instance's row in the store. A store that does not
 * answer is not this route's failure to report every beat (readiness and the status say the store is down): one WARN
 * when beats start failing, one INFO when they go through again.
 */
@Component("heartbeat")
public class Heartbeat {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final HeartbeatRecorder recorder;
    private final BridgeProperties props;
    private final AppVersion version;
    private final AtomicBoolean failing = new AtomicBoolean();

    public Heartbeat(HeartbeatRecorder recorder, BridgeProperties props, AppVersion version) {
        this.recorder = recorder;
        this.props = props;
        this.version = version;
    }

    /** This instance's row after the beat; null when the store did not take it. */
    public HeartbeatRecorder.Beat beat() {
        try {
            HeartbeatRecorder.Beat beat = recorder.beat(props.instance().id(), version.get());
            if (failing.compareAndSet(true, false)) {
                LOG.info("Heartbeat: the store takes this instance's beats again");
            }
            return beat;
        } catch (DataAccessException | TransactionException e) {
            if (failing.compareAndSet(false, true)) {
                LOG.warn("Heartbeat: the store did not take this instance's beat ({}); said again only when it does",
                        LogSafe.of(e.getMostSpecificCause().getMessage(), 300));
            }
            return null;
        }
    }
}
