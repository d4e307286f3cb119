package io.contactsbridge.automation;

import java.nio.file.Files;
import java.nio.file.Path;

import io.contactsbridge.ops.InvalidSettingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Automation routes that refer to what does not exist stop start-up with the file, line and reason. */
class AutomationRoutesCheckTest {

    @Test
    void theShippedAutomationsPass() throws Exception {
        new AutomationRoutesCheck("file:routes/*.yaml,file:routes/automations/*.yaml");
        assertThat(Path.of("routes/automations/booked-call.yaml")).isRegularFile(); // the check read something
    }

    @Test
    void unknownKameletPropertyAndStepAreNamedWithFileAndLine(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("automations"));
        Files.writeString(folder.resolve("bad.yaml"), """
                - route:
                    id: automation-bad
                    from:
                      uri: "kamelet:highlevel-webhook-source/bad-source"
                      parameters:
                        consumer: automation-bad
                        eventTypez: TaskComplete
                      steps:
                        - bean:
                            ref: automation
                            method: "linkedContakt(*, 'birdsend')"
                        - to: "kamelet:birdsend-add-contact-tag-action"
                        - to: "kamelet:highlevel-create-note-action?contactId=1&colour=red"
                        - filter:
                            method:
                              ref: contactFilter
                              method: "tagAdded(*, 'customer')"
                        - filter:
                            method:
                              ref: contactFilter
                              method: "tagAddedd(*, 'customer')"
                """);
        assertThatThrownBy(() -> new AutomationRoutesCheck("file:" + folder + "/*.yaml"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("bad.yaml:7: Kamelet 'highlevel-webhook-source' has no property 'eventTypez'")
                .hasMessageContaining("bad.yaml:11: unknown automation step 'linkedContakt'")
                .hasMessageContaining("bad.yaml:12: unknown Kamelet 'birdsend-add-contact-tag-action'")
                .hasMessageContaining("bad.yaml:13: Kamelet 'highlevel-create-note-action' has no property 'colour'")
                .hasMessageContaining("bad.yaml:21: unknown contactFilter step 'tagAddedd'")
                .message().doesNotContain("step 'tagAdded'");
    }

    @Test
    void invalidYamlIsNamedToo(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("automations"));
        Files.writeString(folder.resolve("broken.yaml"), "- route:\n    id: [unclosed\n");
        assertThatThrownBy(() -> new AutomationRoutesCheck("file:" + folder + "/*.yaml"))
                .hasMessageContaining("broken.yaml:");
    }
}
