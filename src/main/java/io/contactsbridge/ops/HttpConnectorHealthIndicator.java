package io.contactsbridge.ops;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * Health component {@code httpConnector}, in both probe groups: DOWN when the application's HTTP port can no longer
 * serve, so a probe restarts the bridge instead of leaving it half-dead. The issue that led here: an
 * {@code OutOfMemoryError} ended Tomcat's acceptor thread; the port stayed bound (the kernel even completes TCP
 * handshakes into the listen backlog), {@code /api/status} and the webhooks never answered again, and health said UP.
 *
 * <p>Checked for the application's web server (not a separate management server): each Tomcat connector is STARTED and
 * its acceptor and poller threads are alive (by the names Tomcat gives them, {@code <endpoint>-Acceptor} and
 * {@code <endpoint>-Poller}). That does not depend on load, unlike a request to the port, which waits for a free worker.
 * For another web server a TCP connect to the port within {@code bridge.health.http-connector.timeout} is all there is.
 * UNKNOWN until the server has started.
 */
@Component("httpConnector")
public class HttpConnectorHealthIndicator extends AbstractHealthIndicator
        implements ApplicationListener<WebServerInitializedEvent> {

    private final Duration connectTimeout;
    private volatile WebServer webServer;

    public HttpConnectorHealthIndicator(@Value("${bridge.health.http-connector.timeout:2s}") Duration connectTimeout) {
        super("HTTP connector health check failed");
        this.connectTimeout = connectTimeout;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (event.getApplicationContext().getServerNamespace() == null) { // the application's, not management's
            webServer = event.getWebServer();
        }
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        WebServer server = webServer;
        if (server == null) {
            builder.unknown().withDetail("server", "not started yet");
            return;
        }
        builder.withDetail("port", server.getPort());
        if (server instanceof TomcatWebServer tomcat) {
            checkTomcat(tomcat, builder);
        } else {
            checkConnect(server.getPort(), builder);
        }
    }

    private void checkTomcat(TomcatWebServer tomcat, Health.Builder builder) {
        Set<String> alive = liveThreadNames();
        List<String> problems = new ArrayList<>();
        for (Connector connector : tomcat.getTomcat().getService().findConnectors()) {
            String name = endpointName(connector);
            if (connector.getState() != LifecycleState.STARTED) {
                problems.add(name + " is " + connector.getState());
                continue;
            }
            for (String thread : List.of(name + "-Acceptor", name + "-Poller")) {
                if (!alive.contains(thread)) {
                    problems.add("thread " + thread + " is gone");
                }
            }
        }
        if (problems.isEmpty()) {
            builder.up();
        } else {
            builder.down().withDetail("problems", problems)
                    .withDetail("effect", "the application's HTTP port does not serve (API, webhooks); restart the bridge");
        }
    }

    /**
     * The name Tomcat gave the connector's threads: its endpoint's name, read once the endpoint is made (with port 0,
     * "http-nio-auto-1"; the protocol's name adds the port bound later, so it is not that).
     */
    private static String endpointName(Connector connector) {
        if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
            try {
                Method getEndpoint = AbstractProtocol.class.getDeclaredMethod("getEndpoint");
                getEndpoint.setAccessible(true);
                if (getEndpoint.invoke(protocol) instanceof AbstractEndpoint<?, ?> endpoint && endpoint.getName() != null) {
                    return endpoint.getName();
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Another Tomcat: fall back to the protocol's name, which is the endpoint's for a fixed port.
            }
            return protocol.getName().replace("\"", "");
        }
        return connector.toString();
    }

    private void checkConnect(int port, Health.Builder builder) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) connectTimeout.toMillis());
            builder.up();
        } catch (IOException e) {
            builder.down().withDetail("problems", List.of("no TCP connection to port " + port + " within "
                    + connectTimeout.toMillis() + " ms: " + e.getMessage()));
        }
    }

    private static Set<String> liveThreadNames() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 32];
        int n = root.enumerate(threads, true);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (threads[i].isAlive()) {
                names.add(threads[i].getName());
            }
        }
        return names;
    }
}
