package io.contactsbridge.ops;

import java.io.IOException;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Spring MVC and Tomcat turn an {@code OutOfMemoryError} in a request into a 500 and carry on. This filter, first of
 * all and on every dispatch (an async request, such as a platform-http route's, fails in its ASYNC dispatch), halts the
 * JVM instead ({@link OutOfMemoryExit}). Acts only where the application installed the safety net.
 */
public class FatalErrorFilter implements Filter {

    /** Registered first, for every dispatch (a Filter bean alone would see REQUEST dispatches only). */
    @Configuration(proxyBeanMethods = false)
    static class Registration {

        @Bean
        FilterRegistrationBean<FatalErrorFilter> fatalErrorFilter() {
            FilterRegistrationBean<FatalErrorFilter> registration = new FilterRegistrationBean<>(new FatalErrorFilter());
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
            registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
            return registration;
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            if (OutOfMemoryExit.isInstalled()) {
                OutOfMemoryExit.haltIfOutOfMemory(e, "web request");
            }
            throw e;
        }
    }
}
