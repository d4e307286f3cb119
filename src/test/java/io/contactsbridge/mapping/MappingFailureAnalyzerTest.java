package io.contactsbridge.mapping;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.core.io.UrlResource;

import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class MappingFailureAnalyzerTest {

    @Test
    void listsEveryProblemAndSaysWhatToDo() {
        MappingException problem = catchThrowableOfType(MappingException.class, () -> ContactMapping.parse("""
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transforms: [lowercse]
                  - name: city
                    birdsend: fields.city
                    highlevel: cty
                """, "file:/etc/bridge/contacts.yaml"));
        Throwable startupFailure = new BeanCreationException("contactSync", "could not start", problem);

        FailureAnalysis analysis = new MappingFailureAnalyzer().analyze(startupFailure);

        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).isEqualTo("""
                The contact mapping file:/etc/bridge/contacts.yaml cannot be used (2 problems):
                    line 5: unknown transform 'lowercse' for field 'email' (known: trim, lowercase, uppercase, \
                capitalize, collapse-spaces, e164, date)
                    line 8: invalid highlevel path 'cty' for field 'city' (did you mean 'city'?)""");
        assertThat(analysis.getAction()).contains("Fix the mapping file file:/etc/bridge/contacts.yaml")
                .contains("bridge.sync.mapping").contains("BRIDGE_SYNC_MAPPING");
        assertThat(analysis.getCause()).isSameAs(problem);
    }

    @Test
    void otherFailuresAreLeftToOtherAnalyzers() {
        assertThat(new MappingFailureAnalyzer().analyze(new IllegalStateException("something else"))).isNull();
    }

    @Test
    void isRegisteredWithSpringBoot() throws Exception {
        List<String> analyzers = new ArrayList<>();
        for (URL url : Collections.list(getClass().getClassLoader().getResources("META-INF/spring.factories"))) {
            Properties factories = PropertiesLoaderUtils.loadProperties(new UrlResource(url));
            String names = factories.getProperty("org.springframework.boot.diagnostics.FailureAnalyzer", "");
            for (String name : names.split(",")) {
                analyzers.add(name.trim());
            }
        }
        assertThat(analyzers).contains(MappingFailureAnalyzer.class.getName());
    }
}
