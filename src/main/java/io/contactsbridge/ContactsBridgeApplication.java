package io.contactsbridge;

import io.contactsbridge.ops.OutOfMemoryExit;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point: a Camel application that keeps BirdSend and HighLevel contacts in sync. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ContactsBridgeApplication {

    public static void main(String[] args) {
        // Out of memory is fatal: the JVM exits to be restarted, even when started without -XX:+ExitOnOutOfMemoryError.
        OutOfMemoryExit.install();
        SpringApplication.run(ContactsBridgeApplication.class, args);
    }
}
