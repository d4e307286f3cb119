package io.contactsbridge.outbound;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

import io.contactsbridge.auth.CredentialKind;
import io.contactsbridge.auth.ServiceType;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Connections as configured: {@code bridge.connections.<id>.service} (or the service its
 * {@code kind} belongs to) and {@code bridge.connections.<id>.base-url}, falling back to the
 * service's {@code bridge.outbound.<service>.base-url}. Read at every call, so changed environment
 * settings apply without a restart of this bean.
 */
public class PropertyOutboundTargets implements OutboundTargets {

    private final Environment env;
    private final OutboundProperties props;

    public PropertyOutboundTargets(Environment env, OutboundProperties props) {
        this.env = env;
        this.props = props;
    }

    @Override
    public OutboundTarget resolve(String connectionId) {
        if (!StringUtils.hasText(connectionId)) {
            throw new OutboundRequestException("no connection id given (header " + OutboundHeaders.CONNECTION_ID + ")");
        }
        String prefix = "bridge.connections." + connectionId + ".";
        ServiceType service = serviceOf(prefix).orElseThrow(() -> new OutboundRequestException(
                "unknown connection " + connectionId + ": set " + prefix + "service (highlevel or birdsend) or "
                        + prefix + "kind"));
        String baseUrl = env.getProperty(prefix + "base-url");
        if (!StringUtils.hasText(baseUrl)) {
            baseUrl = props.service(service).baseUrl();
        }
        if (!StringUtils.hasText(baseUrl)) {
            throw new OutboundRequestException("connection " + connectionId + " has no API URL: set " + prefix
                    + "base-url or bridge.outbound." + UpstreamCall.id(service) + ".base-url");
        }
        return new OutboundTarget(connectionId, service, stripTrailingSlash(baseUrl.trim()));
    }

    private Optional<ServiceType> serviceOf(String prefix) {
        String service = env.getProperty(prefix + "service");
        if (StringUtils.hasText(service)) {
            String wanted = service.trim().toUpperCase(Locale.ROOT);
            return Optional.of(Arrays.stream(ServiceType.values()).filter(s -> s.name().equals(wanted)).findFirst()
                    .orElseThrow(() -> new OutboundRequestException(prefix + "service=" + service
                            + " is not a service: use highlevel or birdsend")));
        }
        String kind = env.getProperty(prefix + "kind");
        if (!StringUtils.hasText(kind)) {
            return Optional.empty();
        }
        return Arrays.stream(CredentialKind.values())
                .filter(k -> k.propertyValue().equalsIgnoreCase(kind.trim()) || k.name().equalsIgnoreCase(kind.trim()))
                .map(CredentialKind::service)
                .findFirst();
    }

    static String stripTrailingSlash(String url) {
        String out = url;
        while (out.endsWith("/")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }
}
