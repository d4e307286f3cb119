package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.UUID;
import java.util.function.LongSupplier;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.store.ReplicaProperties;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.store.ReplicaMembers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Divides every connection's rate limits between the replicas sharing the store, so that together they stay within
 * what the service allows: with n replicas alive ({@link ReplicaMembers}), each budget gets 1/n of every window.
 *
 * <p>The moves are ordered so the sum never goes over the whole:
 * <ul>
 *   <li><b>A replica joins</b>: it counts the others at start-up and, if there are any, sends nothing until they have
 *       seen it (one {@code interval}) and what they sent under their larger shares has left the windows (the drain
 *       time of windows up to a minute). The others shrink at once when they see it.</li>
 *   <li><b>A replica leaves</b> (stops, or is killed and its lease runs out): the others grow only after the drain
 *       time, so its last requests have left the windows first.</li>
 *   <li>Windows longer than a minute (HighLevel's day) are not drained; there the service's own count
 *       ({@link RateBudget#observe}) covers what a replica that joined late in the day cannot know.</li>
 * </ul>
 * A replica that cannot renew its lease for longer than the lease itself (the store unreachable) holds its budgets:
 * the others may already count it as gone.
 */
@Component("rateAllotment")
public class RateAllotment implements SmartInitializingSingleton, DisposableBean {

    /** Windows up to this long are drained before a joining replica sends, or before the others grow. */
    static final Duration DRAIN_UP_TO = Duration.ofMinutes(1);

    /** Gauge: the replicas alive, this one included, that the rate limits are divided between. */
    public static final String REPLICAS_GAUGE = "bridge.replicas.alive";

    private static final Logger LOG = LoggerFactory.getLogger(RateAllotment.class);

    private final ReplicaMembers members;
    private final RateBudgets budgets;
    private final ReplicaProperties props;
    private final String memberId;
    private final LongSupplier nanos;
    private final Duration growDelay;

    private boolean renewedOnce;
    private long lastRenewed;
    private int alive = 1;
    private int growingTo;
    private long growingSince;
    private boolean holding;

    @Autowired
    public RateAllotment(ReplicaMembers members, RateBudgets budgets, ReplicaProperties props, OutboundProperties outbound,
                         BridgeProperties bridge, MeterRegistry registry) {
        this(members, budgets, props, drainTime(outbound), memberId(bridge), System::nanoTime);
        Gauge.builder(REPLICAS_GAUGE, this, RateAllotment::alive)
                .description("Replicas alive that divide the services' rate limits between them").register(registry);
    }

    RateAllotment(ReplicaMembers members, RateBudgets budgets, ReplicaProperties props, Duration growDelay,
                  String memberId, LongSupplier nanos) {
        this.members = members;
        this.budgets = budgets;
        this.props = props;
        this.growDelay = growDelay;
        this.memberId = memberId;
        this.nanos = nanos;
    }

    /** Before any route runs: a replica joining others must not start at a whole budget. */
    @Override
    public void afterSingletonsInstantiated() {
        refresh();
    }

    /** Renews this replica's membership and sets the budgets' share. Called every {@code bridge.replicas.interval}. */
    public synchronized void refresh() {
        if (!props.enabled()) {
            return;
        }
        long now = nanos.getAsLong();
        ReplicaMembers.Renewal renewal;
        try {
            renewal = members.renew(memberId, props.leaseDuration());
        } catch (RuntimeException e) {
            if (renewedOnce && now - lastRenewed > props.leaseDuration().toNanos()) {
                if (!holding) {
                    LOG.warn("Replicas: could not renew this replica's membership for {} ({}); it sends nothing until "
                            + "it can, since the others may count it as gone", props.leaseDuration(), e.getMessage());
                    holding = true;
                }
                budgets.join(props.interval().multipliedBy(2));
            } else {
                LOG.debug("Replicas: membership not renewed ({}); trying again in {}", e.getMessage(), props.interval());
            }
            return;
        }
        boolean first = !renewedOnce;
        renewedOnce = true;
        lastRenewed = now;
        if ((first || renewal.joined() || holding) && renewal.alive() > 1) {
            // New here, or back after the others may have counted us as gone: wait until they have made room.
            budgets.join(props.interval());
            LOG.info("Replicas: {} alive with this one; its share of every rate limit is 1/{}, from {} on",
                    renewal.alive(), renewal.alive(), props.interval().plus(growDelay));
        }
        holding = false;
        apply(renewal.alive(), now, first);
    }

    private void apply(int n, long now, boolean first) {
        if (n > alive) {
            alive = n;
            growingTo = 0;
            budgets.share(1.0 / n);
            if (!first) {
                LOG.info("Replicas: {} alive; this one's share of every rate limit is now 1/{}", n, n);
            }
        } else if (n < alive) {
            if (growingTo != n) {
                growingTo = n;
                growingSince = now;
            }
            if (now - growingSince >= growDelay.toNanos()) {
                alive = n;
                growingTo = 0;
                budgets.share(1.0 / n);
                LOG.info("Replicas: {} alive; this one's share of every rate limit is now 1/{}", n, n);
            }
        } else {
            growingTo = 0;
        }
    }

    /** The replicas the limits are divided between (this one included). */
    public synchronized int alive() {
        return alive;
    }

    @Override
    public void destroy() {
        if (!props.enabled()) {
            return;
        }
        try {
            members.leave(memberId);
        } catch (RuntimeException e) {
            LOG.debug("Replicas: could not remove this replica's membership ({}); it runs out by itself", e.getMessage());
        }
    }

    /** The longest drain time of any service's windows up to {@link #DRAIN_UP_TO}. */
    static Duration drainTime(OutboundProperties outbound) {
        Duration longest = Duration.ZERO;
        for (ServiceType service : ServiceType.values()) {
            OutboundProperties.Rate rate = outbound.service(service).rate();
            for (OutboundProperties.Window w : rate.windows().values()) {
                if (w.period().compareTo(DRAIN_UP_TO) <= 0) {
                    Duration span = w.period().plus(rate.safetyMargin());
                    longest = span.compareTo(longest) > 0 ? span : longest;
                }
            }
        }
        return longest;
    }

    private static String memberId(BridgeProperties bridge) {
        String id = bridge.instance() == null || !StringUtils.hasText(bridge.instance().id()) ? "bridge" : bridge.instance().id();
        return id + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    String memberId() {
        return memberId;
    }
}
