package io.contactsbridge.sync;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * Route {@code contact-reconcile}: the sync's steps for one person ({@link ContactSync#STEPS}: read both sides, mark a
 * deleted contact's link, merge, create the missing contact, write each side, record the link), on a {@link SyncCase}
 * as the body. The steps run again while the case asks for it (a key held by another turn, a duplicate found by a
 * create, a link changed meanwhile), so Hawtio counts each step and each repeat. The live sync ({@code contact-sync},
 * routes/contact-sync.yaml) sends every journal event here; the route has no error handler of its own, so a failure
 * is the caller's (a dead letter for a refusal, the journal's back-off for the rest).
 */
@Component
public class ContactSyncRoutes extends RouteBuilder {

    public static final String RECONCILE = "direct:contact-reconcile";

    private final ContactSync sync;

    public ContactSyncRoutes(ContactSync sync) {
        this.sync = sync;
    }

    @Override
    public void configure() {
        var steps = from(RECONCILE)
                .routeId("contact-reconcile")
                .routeConfigurationId(SyncErrorHandling.SYNC_PASSTHROUGH)
                .description("One person's sync: read both sides, merge, write each side, record the link")
                .loopDoWhile(method(sync, "again")).id("sync-pass");
        for (ContactSync.Step step : ContactSync.STEPS) {
            steps.bean(sync, step.method()).id(step.id());
        }
        steps.end();
    }
}
