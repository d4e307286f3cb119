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
 * what the service allows. Each replica renews its membership ({@link ReplicaMembers}) with a weight: {@value
 * #BUSY_WEIGHT} while its callers wait for their slots (a backfill, a burst of events), else 1. Its share of every
 * window is its weight over the weights of all replicas alive: a replica running a backfill beside an idle one gets
 * 90 % of the limits, two busy ones half each.
 *
 * <p>The moves are ordered so the sum never goes over the whole:
 * <ul>
 *   <li><b>A share gets smaller</b> at once, when this replica sees the weights that make it so.</li>
 *   <li><b>A share gets larger</b> only once the weights that allow it have held for one {@code interval} (so every
 *       other replica has seen them and made its own share smaller) plus the drain time (so what the others sent
 *       under their larger shares has left the windows): the share applied is the smallest of those computed over that
 *       time. The drain time is that of the windows up to a minute; a day's window is left to the service's own count
 *       ({@link RateBudget#observe}).</li>
 *   <li><b>A replica joins</b> others: it sends nothing for the same time, then takes its share.</li>
 *   <li><b>A replica leaves</b> (stops, or is killed and its lease runs out): the others' shares grow by the rule above.</li>
 * </ul>
 * A replica that cannot renew its lease for longer than the lease itself (the store unreachable) holds its budgets:
 * the others may already count it as gone.
 */
@Component("rateAllotment")
public class RateAllotment implements SmartInitializingSingleton, DisposableBean {

    /** Windows up to this long are drained before a joining replica sends, or before the others grow. */
    static final Duration DRAIN_UP_TO = Duration.ofMinutes(1);

    /** The weight of a replica whose callers wait for their slots; an idle one has 1. */
    static final int BUSY_WEIGHT = 9;

    /**
     * The first renewal's lease is longer by this: it is made before the routes start, and the start-up (web server,
     * Camel routes) must not outlast it, or the others would count this replica as gone and it would join twice.
     */
    static final Duration STARTUP_ALLOWANCE = Duration.ofSeconds(30);

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
    private double applied = 1;
    /** The shares computed over the last grow delay, oldest first: (time, share). */
    private final java.util.ArrayDeque<double[]> computed = new java.util.ArrayDeque<>();
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
        int weight = budgets.queuedWithin(props.interval().multipliedBy(2)) ? BUSY_WEIGHT : 1;
        try {
            renewal = members.renew(memberId, renewedOnce ? props.leaseDuration() : props.leaseDuration().plus(STARTUP_ALLOWANCE), weight);
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
        double target = (double) weight / renewal.totalWeight();
        if (renewal.alive() != alive) {
            LOG.info("Replicas: {} alive, this one included", renewal.alive());
        }
        alive = renewal.alive();
        if ((first || renewal.joined() || holding) && renewal.alive() > 1) {
            // New here, or back after the others may have counted us as gone: nothing until they have made room,
            // then this share (it grows by the rule like any other).
            budgets.join(props.interval());
            computed.clear();
            computed.addLast(new double[] {now, target});
            applied = target;
            budgets.share(target);
            LOG.info("Replicas: this one joins {} others; it sends in {}", renewal.alive() - 1,
                    props.interval().plus(growDelay));
        } else {
            apply(target, now);
        }
        holding = false;
    }

    /** Applies the smallest share computed over the last grow delay (a smaller one at once). */
    private void apply(double target, long now) {
        computed.addLast(new double[] {now, target});
        long since = now - props.interval().plus(growDelay).toNanos();
        while (computed.size() > 1 && computed.stream().skip(1).findFirst().orElseThrow()[0] <= since) {
            computed.removeFirst();
        }
        double share = computed.stream().mapToDouble(c -> c[1]).min().orElse(target);
        if (computed.getFirst()[0] > since) {
            share = Math.min(share, applied); // not watched for long enough to grow
        }
        if (share != applied) {
            LOG.debug("Replicas: this one's share of every rate limit {} -> {}", applied, share);
            applied = share;
            budgets.share(share);
        }
    }

    /** The replicas the limits are divided between (this one included). */
    public synchronized int alive() {
        return alive;
    }

    /** This replica's share of every rate limit. */
    public synchronized double share() {
        return applied;
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
