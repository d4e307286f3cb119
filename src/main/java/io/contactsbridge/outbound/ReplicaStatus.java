package io.contactsbridge.outbound;

import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import io.contactsbridge.store.ReplicaProperties;
import org.springframework.stereotype.Component;

/** Adds the replicas alive and this one's share of the rate limits to the status. */
@Component
public class ReplicaStatus implements StatusContributor {

    private final RateAllotment allotment;
    private final ReplicaProperties props;

    public ReplicaStatus(RateAllotment allotment, ReplicaProperties props) {
        this.allotment = allotment;
        this.props = props;
    }

    @Override
    public void contribute(StatusReport report) {
        report.put("replicas.coordinated", props.enabled())
                .put("replicas.alive", allotment.alive())
                .put("replicas.rateShare", allotment.share());
    }

    @Override
    public boolean readsStore() {
        return false;
    }
}
