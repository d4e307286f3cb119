package io.contactsbridge.ops;

import io.contactsbridge.store.HeartbeatRecorder;
import org.springframework.stereotype.Component;

/** Adds this instance's last heartbeat to the status, so "is the scheduler alive?" has an answer. */
@Component
public class HeartbeatStatus implements StatusContributor {

    private final HeartbeatRecorder recorder;
    private final BridgeProperties props;

    public HeartbeatStatus(HeartbeatRecorder recorder, BridgeProperties props) {
        this.recorder = recorder;
        this.props = props;
    }

    @Override
    public void contribute(StatusReport report) {
        recorder.find(props.instance().id()).ifPresent(b -> report
                .put("heartbeat.last", b.lastBeatAt().toString())
                .put("heartbeat.count", b.beats()));
    }
}
