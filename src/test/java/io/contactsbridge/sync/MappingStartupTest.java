package io.contactsbridge.sync;

import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.mapping.MappingException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** An invalid mapping file stops start-up, naming the file, the lines and the problems. */
class MappingStartupTest {

    @Test
    void anInvalidMappingStopsStartUpNamingEachLineAndProblem() {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(ContactsBridgeApplication.class)
                .profiles("test")
                // Arguments, not builder properties: those are defaults, below config/sync.properties.
                .run("--server.port=0", "--bridge.sync.mapping=classpath:mapping/broken-contacts.yaml",
                        "--spring.datasource.url=jdbc:h2:mem:mapping-startup;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE").close());
        Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
        assertThat(root).isInstanceOf(MappingException.class);
        assertThat(root.getMessage())
                .contains("broken-contacts.yaml")
                .contains("line 11").contains("uppercse")
                .contains("line 15").contains("sideways");
    }

    @Test
    void aMappingFileThatDoesNotExistStopsStartUpNamingTheSetting() {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(ContactsBridgeApplication.class)
                .profiles("test")
                .run("--server.port=0", "--bridge.sync.mapping=file:/nonexistent/contacts.yaml",
                        "--spring.datasource.url=jdbc:h2:mem:mapping-missing;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE").close());
        Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
        assertThat(root.getMessage()).contains("bridge.sync.mapping").contains("/nonexistent/contacts.yaml").contains("no such file");
    }
}
