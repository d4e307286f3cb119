package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Checks the mapping against the connected accounts, which the start-up check of the file cannot see: every
 * HighLevel custom field it names must exist in the location (else no contact can be written there), and every
 * BirdSend field must exist in the account (BirdSend ignores values of unknown fields, so the bridge would write
 * them again and again). Run before the sync handles events and before a backfill, at most every
 * {@value #RECHECK_MINUTES} minutes; problems are logged and shown in {@code /api/status} as
 * {@code sync.mappingProblems}.
 */
@Component
public class MappingCheck {

    private static final Logger LOG = LoggerFactory.getLogger(MappingCheck.class);
    static final int RECHECK_MINUTES = 10;

    /** What a check found: {@code blocking} problems stop the sync until fixed; warnings do not. */
    public record Result(List<String> blocking, List<String> warnings, Instant checkedAt) {
        public boolean ok() {
            return blocking.isEmpty();
        }
    }

    private final SyncProperties props;
    private final ContactMapping mapping;
    private final HighLevelContactApi highlevel;
    private final BirdSendContactApi birdsend;
    private final Clock clock;
    private volatile Result last;

    public MappingCheck(SyncProperties props, ContactMapping mapping, HighLevelContactApi highlevel,
                        BirdSendContactApi birdsend, Clock clock) {
        this.props = props;
        this.mapping = mapping;
        this.highlevel = highlevel;
        this.birdsend = birdsend;
        this.clock = clock;
    }

    /** The last result if recent, else a new check. Service errors propagate (the caller retries later). */
    public Result current() {
        Result r = last;
        if (r != null && r.ok() && clock.instant().isBefore(r.checkedAt().plus(Duration.ofMinutes(RECHECK_MINUTES)))) {
            return r;
        }
        return check();
    }

    /** Throws {@link SyncSetupException} naming the problems when the sync cannot write contacts as mapped. */
    public void requireUsable() {
        Result r = current();
        if (!r.ok()) {
            throw new SyncSetupException("The contact mapping " + props.mapping() + " does not fit the accounts: "
                    + String.join("; ", r.blocking()));
        }
    }

    public synchronized Result check() {
        List<String> blocking = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        HighLevelFieldKeys keys = highlevel.fieldKeys(props.highlevelConnection());
        for (String key : mapping.highLevelCustomFieldKeys()) {
            if (keys.idOf(key).isEmpty()) {
                blocking.add("HighLevel location " + highlevel.locationId(props.highlevelConnection())
                        + " has no contact custom field '" + key + "'; create it in HighLevel or remove it from the mapping");
            }
        }
        Set<String> fields = birdsend.fieldKeys(props.birdsendConnection());
        for (String key : mapping.birdSendFieldKeys()) {
            if (!fields.contains(key)) {
                warnings.add("BirdSend has no field '" + key + "'; BirdSend ignores values of unknown fields, so create it in"
                        + " BirdSend (Settings > Fields) or remove it from the mapping");
            }
        }
        Result result = new Result(List.copyOf(blocking), List.copyOf(warnings), clock.instant());
        Result before = last;
        last = result;
        if (before == null || !before.blocking().equals(result.blocking()) || !before.warnings().equals(result.warnings())) {
            result.blocking().forEach(p -> LOG.error("Contact mapping: {}", p));
            result.warnings().forEach(p -> LOG.warn("Contact mapping: {}", p));
            if (before != null && !before.ok() && result.ok()) {
                LOG.info("Contact mapping fits the accounts again; the sync continues");
            }
        }
        return result;
    }

    /** The last result, without calling anyone (status). */
    public Result last() {
        return last;
    }
}
