package io.contactsbridge.capture;

import java.time.Duration;

import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a unit test: what the BirdSend poller costs on a 10,000-contact account with the defaults (100 per page,
 * half of the 5-per-second budget for all its scans together, quick scans every 30 s, the rolling scan's passes back
 * to back), against the simulator.
 *
 * <pre>./mvnw -B test -Dbuild.dir=/tmp/bench-target -Dtest=BirdSendPollBudgetBenchmark -Dbenchmark=true</pre>
 *
 * Time is scaled by {@value #SCALE}: the simulator's 5 per second becomes 5 per 200 ms, and the poller is given
 * the default share of that budget (as a share of the test profile's BirdSend budget), so a pass's wall-clock duration times the scale is what it takes
 * against the real service. Request counts do not depend on the scale.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@CaptureAppTest
class BirdSendPollBudgetBenchmark extends CaptureTestSupport {

    static final int SCALE = 5;
    static final int CONTACTS = 10_000;

    @Test
    void requestUsageOfATenThousandContactAccount() {
        sims.clock().setTimeScale(SCALE);
        BirdSendAccount account = birdSendAccount();
        sims.birdSend().seed(account.accountId(), CONTACTS, 21);
        CaptureProperties.BirdSend defaults = CaptureProperties.BirdSend.defaults();
        // The outbound layer paces the poller at its share of the connection's configured rate (the test profile's 10 per
        // 250 ms): the share that makes the default share of the scaled real budget (5 per 1000/SCALE ms).
        OutboundProperties.Window configured = outbound.birdsend().rate().windows().get("second");
        double scaledPerSecond = 5.0 * SCALE;
        double configuredPerSecond = configured.limit() * 1000.0 / configured.period().toMillis();
        double share = defaults.requestShare() * scaledPerSecond / configuredPerSecond;
        CaptureProperties props = new CaptureProperties(null, new CaptureProperties.BirdSend(true, defaults.quickIntervalMs(),
                defaults.rollingIntervalMs(), defaults.rollingSlice(), defaults.minPassInterval(), account.connectionId(),
                defaults.perPage(), defaults.quickOrderBy(), defaults.orderProbeInterval(), defaults.quickMaxPages(), share,
                false, defaults.maxDeletionChecks()), Duration.ofMinutes(5), Duration.ofSeconds(60));
        BirdSendContactPoller poller = new BirdSendContactPoller(client, journal, store, props, outbound, metrics,
                json, clock, "benchmark");

        long t0 = System.nanoTime();
        PollOutcome baseline = poller.fullScan();
        double baselineSeconds = (System.nanoTime() - t0) / 1e9 * SCALE;

        t0 = System.nanoTime();
        PollOutcome full = poller.fullScan();
        double fullSeconds = (System.nanoTime() - t0) / 1e9 * SCALE;

        PollOutcome quietQuick = poller.quickScan();
        for (int i = 0; i < 20; i++) {
            sims.birdSend().seedContact(account.accountId(), BirdSendNewContact.of(uniqueEmail("bench")));
        }
        PollOutcome quickWithNew = poller.quickScan();
        for (int i = 0; i < 150; i++) {
            sims.birdSend().seedContact(account.accountId(), BirdSendNewContact.of(uniqueEmail("bench")));
        }
        PollOutcome quickWithMany = poller.quickScan();

        assertThat(baseline.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(full.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(quickWithNew.appended(BirdSendContactPoller.CONTACT_CREATED)).isEqualTo(20);
        assertThat(quickWithMany.appended(BirdSendContactPoller.CONTACT_CREATED)).isEqualTo(150);

        System.out.printf("""
                BirdSend poller on %,d contacts (per page %d, all scans together at most %.1f requests/s of the 5/s budget):
                  baseline pass:  %d requests, %.1f s (includes storing %,d snapshots)
                  pass:           %d requests, %.1f s at the real budget: every change is seen within that
                  quick scan, nothing new:     %d request(s)
                  quick scan, 20 new contacts: %d request(s)
                  quick scan, 150 new:         %d request(s)
                  per minute: %.0f requests at most (the rolling scan takes what the quick scans leave), of 300 allowed
                """, CONTACTS, defaults.perPage(), poller.requestsPerSecond() / SCALE, baseline.requests(), baselineSeconds, CONTACTS,
                full.requests(), fullSeconds, quietQuick.requests(), quickWithNew.requests(), quickWithMany.requests(),
                60 * poller.requestsPerSecond() / SCALE);
    }
}
