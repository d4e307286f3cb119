package io.contactsbridge.support;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

/**
 * Everything the application logs while it is open, as the console would print it: a Logback appender on the root
 * logger with Spring Boot's console layout (stack traces included), counting lines and bytes and keeping the events.
 * Only what passes the configured log levels arrives, as in production.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    /** Spring Boot's console pattern without colours; a fixed pid, as the width is all that matters here. */
    private static final String CONSOLE_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %5p 12345 --- [contacts-bridge] [%15.15t] %-40.40logger{39} : %m%n%ex";

    private final PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    private final List<Captured> events = new CopyOnWriteArrayList<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong lines = new AtomicLong();
    private final Logger root;

    /** One event as printed. */
    public record Captured(ILoggingEvent event, String text) {
        public boolean hasStackTrace() {
            return event.getThrowableProxy() != null;
        }

        public String message() {
            return event.getFormattedMessage();
        }
    }

    private LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        encoder.setContext(context);
        encoder.setPattern(CONSOLE_PATTERN);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        setContext(context);
        setName("log-capture");
    }

    /** Starts capturing at once; close to stop. */
    public static LogCapture open() {
        LogCapture capture = new LogCapture();
        capture.start0();
        return capture;
    }

    private void start0() {
        super.start();
        root.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] encoded = encoder.encode(event);
        String text = new String(encoded, StandardCharsets.UTF_8);
        bytes.addAndGet(encoded.length);
        lines.addAndGet(text.lines().count());
        events.add(new Captured(event, text));
    }

    public long bytes() {
        return bytes.get();
    }

    public long lines() {
        return lines.get();
    }

    public List<Captured> events() {
        return List.copyOf(events);
    }

    public List<Captured> events(Predicate<Captured> filter) {
        return events.stream().filter(filter).toList();
    }

    /** Bytes per logger, largest first: where the volume comes from. */
    public Map<String, Long> bytesByLogger() {
        Map<String, Long> sums = events.stream().collect(Collectors.groupingBy(c -> c.event().getLoggerName(), TreeMap::new,
                Collectors.summingLong(c -> c.text().getBytes(StandardCharsets.UTF_8).length)));
        return sums.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, java.util.LinkedHashMap::new));
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
