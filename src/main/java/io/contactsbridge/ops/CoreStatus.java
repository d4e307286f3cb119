package io.contactsbridge.ops;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import io.contactsbridge.store.StoreInfo;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/** The fields every status document starts with: version, mode, uptime, store, instance. */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CoreStatus implements StatusContributor {

    private final AppVersion version;
    private final BridgeProperties props;
    private final StoreInfo store;

    public CoreStatus(AppVersion version, BridgeProperties props, StoreInfo store) {
        this.version = version;
        this.props = props;
        this.store = store;
    }

    @Override
    public void contribute(StatusReport report) {
        Duration uptime = Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime());
        report.put("version", version.get())
                .put("mode", props.bridgeMode().id())
                .put("uptime", uptime.withNanos(0).toString())
                .put("uptimeSeconds", uptime.toSeconds())
                .put("store", store.kind())
                .put("instance", props.instance().id());
    }

    /** The store's kind is known from start-up. */
    @Override
    public boolean readsStore() {
        return false;
    }
}
