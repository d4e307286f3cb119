package io.contactsbridge.capture;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import org.springframework.stereotype.Component;

/**
 * The pollers in {@code GET /api/status}, read from the store (so every replica shows the same):
 * <ul>
 *   <li>{@code capture.highlevel-poll}: {@code enabled}, {@code connection}, {@code lastPoll} (when it ended),
 *       {@code status} (ok, partial, skipped, failed, or "never polled"), {@code error}, {@code requests},
 *       {@code lastEvents} (events the last poll appended, by type) and {@code cursor} ({@code dateUpdated},
 *       {@code contactId}, {@code catchingUp})</li>
 *   <li>{@code capture.birdsend-poll}: the same without the cursor, plus {@code lastScan} (quick, rolling or full),
 *       {@code lastFullScan} (when the last complete pass over every contact ended), {@code lastPassSeconds} (how
 *       long it took), {@code pass} (the rolling scan's pass in progress: {@code startedAt}, {@code page}, 0 once
 *       every page is listed and missing contacts are looked up), {@code quickOrderBy} (what the quick scan sorts
 *       by, as probed) and {@code contactsKnown} (contacts in the snapshot)</li>
 * </ul>
 */
@Component
public class CaptureStatus implements StatusContributor {

    private static final TypeReference<LinkedHashMap<String, Integer>> COUNTS = new TypeReference<>() {
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CaptureStore store;
    private final CaptureProperties props;

    public CaptureStatus(CaptureStore store, CaptureProperties props) {
        this.store = store;
        this.props = props;
    }

    @Override
    public void contribute(StatusReport report) {
        report.put("capture." + HighLevelContactPoller.SOURCE, highLevel());
        report.put("capture." + BirdSendContactPoller.SOURCE, birdSend());
    }

    Map<String, Object> highLevel() {
        CaptureProperties.HighLevel cfg = props.highlevel();
        Optional<PollState> state = store.find(HighLevelContactPoller.SOURCE, cfg.connectionId());
        Map<String, Object> out = common(cfg.enabled(), cfg.connectionId(), state);
        HighLevelCursor cursor = HighLevelCursor.from(state.orElse(null));
        if (cursor != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("dateUpdated", cursor.dateUpdated().toString());
            c.put("contactId", cursor.contactId().isEmpty() ? null : cursor.contactId());
            c.put("catchingUp", cursor.catchingUp());
            out.put("cursor", c);
        } else {
            out.put("cursor", null);
        }
        return out;
    }

    Map<String, Object> birdSend() {
        CaptureProperties.BirdSend cfg = props.birdsend();
        Optional<PollState> state = store.find(BirdSendContactPoller.SOURCE, cfg.connectionId());
        Map<String, Object> out = common(cfg.enabled(), cfg.connectionId(), state);
        out.put("lastScan", state.map(PollState::lastPollKind).orElse(null));
        out.put("lastFullScan", state.map(PollState::lastFullScanAt).map(Object::toString).orElse(null));
        out.put("lastPassSeconds", state.filter(s -> s.lastPassStartedAt() != null && s.lastFullScanAt() != null)
                .map(s -> Duration.between(s.lastPassStartedAt(), s.lastFullScanAt()).toMillis() / 1000.0).orElse(null));
        out.put("pass", state.map(PollState::pass).map(p -> {
            Map<String, Object> pass = new LinkedHashMap<>();
            pass.put("startedAt", p.startedAt().toString());
            pass.put("page", p.page());
            return pass;
        }).orElse(null));
        out.put("quickOrderBy", state.map(PollState::quickOrderBy).orElse(null));
        out.put("baselineDone", state.map(PollState::baselineDone).orElse(false));
        out.put("contactsKnown", store.countSnapshots(cfg.connectionId()));
        return out;
    }

    private static Map<String, Object> common(boolean enabled, String connectionId, Optional<PollState> state) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("enabled", enabled);
        out.put("connection", connectionId);
        out.put("lastPoll", state.map(PollState::lastPollAt).map(Object::toString).orElse(null));
        out.put("status", state.map(PollState::lastPollStatus).orElse("never polled"));
        out.put("error", state.map(PollState::lastPollError).orElse(null));
        out.put("requests", state.map(PollState::lastPollRequests).orElse(null));
        out.put("lastEvents", state.map(PollState::lastPollEvents).map(CaptureStatus::counts).orElse(Map.of()));
        return out;
    }

    private static Map<String, Integer> counts(String json) {
        try {
            return JSON.readValue(json, COUNTS);
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }
}
