package io.contactsbridge.outbound;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.contactsbridge.support.AppTest;
import org.springframework.context.annotation.Import;

/**
 * The whole app ({@link AppTest}) with test doubles for the two things the outbound layer takes from
 * elsewhere: access tokens and where connections point. Every outbound route test class uses this
 * annotation unchanged, so they share one Spring context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@AppTest
@Import(OutboundTestBeans.class)
public @interface OutboundAppTest {
}
