package io.contactsbridge.sync;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

/**
 * Health component {@code mapping}: DOWN while the contact mapping does not fit the accounts (a field it names is
 * missing in HighLevel or BirdSend), with the problems in words ({@code problems}, shown to the admin login); UP when
 * it fits; UNKNOWN while the sync is disabled or before the first check. It reads the last result of
 * {@link MappingCheck} and never calls a service.
 *
 * <p>Like {@code connections}, it is in neither probe group (application.properties): the bridge must stay ready
 * while the sync waits, because readiness DOWN takes it out of the Service, and then HighLevel's webhooks, which
 * HighLevel does not retry, would be lost instead of kept in the journal for when the mapping is fixed.
 */
@Component
public class MappingHealthIndicator extends AbstractHealthIndicator {

    private final SyncProperties props;
    private final MappingCheck check;

    public MappingHealthIndicator(SyncProperties props, MappingCheck check) {
        super("Mapping health check failed");
        this.props = props;
        this.check = check;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("mapping", props.mapping());
        if (!props.enabled()) {
            builder.unknown().withDetail("sync", "disabled (bridge.sync.enabled=false)");
            return;
        }
        MappingCheck.Result r = check.last();
        if (r == null) {
            builder.unknown().withDetail("checked", "not yet");
            return;
        }
        builder.withDetail("checkedAt", r.checkedAt().toString()).withDetail("nextCheck", r.nextCheck().toString());
        if (r.ok()) {
            builder.up();
        } else {
            builder.down().withDetail("problems", r.blocking())
                    .withDetail("effect", "the sync and the backfill wait; changes are kept in the journal and synced once"
                            + " the mapping fits (checked again every " + MappingCheck.text(props.mappingRecheck()) + ")");
        }
    }
}
