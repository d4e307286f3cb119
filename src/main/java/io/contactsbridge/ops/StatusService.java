package io.contactsbridge.ops;

import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/** Builds the {@code /api/status} document from every {@link StatusContributor}. */
@Service("statusService")
public class StatusService {

    private static final Logger LOG = LoggerFactory.getLogger(StatusService.class);

    private final List<StatusContributor> contributors;

    public StatusService(List<StatusContributor> contributors) {
        this.contributors = contributors;
    }

    public Map<String, Object> status() {
        StatusReport report = new StatusReport();
        for (StatusContributor c : contributors) {
            try {
                c.contribute(report);
            } catch (RuntimeException e) {
                // One failing feature must not hide the rest of the status; say which one failed.
                LOG.warn("Status contributor {} failed: {}", c.getClass().getSimpleName(), e.toString());
                report.put("errors." + c.getClass().getSimpleName(), e.getClass().getSimpleName());
            }
        }
        return report.asMap();
    }
}
