package io.contactsbridge.ops;

import io.contactsbridge.store.HeartbeatRecorder;
import org.springframework.stereotype.Component;

/** The bean the YAML {@code heartbeat} route calls: stamps this instance's row in the store. */
@Component("heartbeat")
public class Heartbeat {

    private final HeartbeatRecorder recorder;
    private final BridgeProperties props;
    private final AppVersion version;

    public Heartbeat(HeartbeatRecorder recorder, BridgeProperties props, AppVersion version) {
        this.recorder = recorder;
        this.props = props;
        this.version = version;
    }

    public HeartbeatRecorder.Beat beat() {
        return recorder.beat(props.instance().id(), version.get());
    }
}
