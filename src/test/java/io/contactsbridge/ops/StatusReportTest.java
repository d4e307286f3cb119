package io.contactsbridge.ops;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StatusReportTest {

    @Test
    void dottedKeysNest() {
        StatusReport r = new StatusReport()
                .put("mode", "sandbox")
                .put("sandbox.highlevel.url", "http://127.0.0.1:1")
                .put("sandbox.highlevel.locationId", "loc")
                .put("sandbox.birdsend.url", "http://127.0.0.1:2");
        assertThat(r.asMap()).containsEntry("mode", "sandbox");
        assertThat(r.asMap().get("sandbox")).isEqualTo(Map.of(
                "highlevel", Map.of("url", "http://127.0.0.1:1", "locationId", "loc"),
                "birdsend", Map.of("url", "http://127.0.0.1:2")));
    }

    @Test
    void aValueCannotBecomeAParent() {
        StatusReport r = new StatusReport().put("links", 3);
        assertThatThrownBy(() -> r.put("links.count", 4)).isInstanceOf(IllegalArgumentException.class);
    }
}
