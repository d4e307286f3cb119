package io.contactsbridge.sync;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * Route {@code mapping-check}: while the sync is enabled, looks at the contact mapping against the accounts every
 * {@code bridge.sync.mapping-recheck}, so the health component {@code mapping} and {@code /api/status} tell of a misfit
 * (or of its fix) even when no event or backfill asked. It costs no calls between the checks {@link MappingCheck} is due
 * (every 10 minutes while the mapping fits).
 */
@Component
public class MappingCheckRoutes extends RouteBuilder {

    private final SyncProperties props;

    public MappingCheckRoutes(SyncProperties props) {
        this.props = props;
    }

    @Override
    public void configure() {
        // The period in milliseconds: Spring reads the setting (1m, PT1M, 60s), which Camel's own parsing would not all take.
        from("timer:mapping-check?delay=1000&period=" + props.mappingRecheck().toMillis())
                .routeId("mapping-check")
                .autoStartup(props.enabled())
                .to("bean:mappingCheck?method=refresh");
    }
}
