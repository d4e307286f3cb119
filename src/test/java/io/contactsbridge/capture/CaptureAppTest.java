package io.contactsbridge.capture;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.contactsbridge.ContactsBridgeApplication;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole app in sandbox mode (both simulators on free ports, the connections pointing at them) with the test
 * profile, in which the poll routes do not start (and poll often once a test starts them). Every capture test class uses this annotation unchanged, so they
 * share one Spring context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@CamelSpringBootTest
@SpringBootTest(classes = ContactsBridgeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(properties = {
        // The routes stay disabled; when a test starts one, it should not wait long for the first poll.
        "bridge.capture.highlevel.interval-ms=300",
        "bridge.capture.birdsend.quick-interval-ms=300",
        "bridge.capture.birdsend.rolling-interval-ms=300",
        "bridge.capture.birdsend.min-pass-interval=1s"})
public @interface CaptureAppTest {
}
