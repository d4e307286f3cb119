package io.contactsbridge.ops;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown at start-up in live mode when required settings are absent; names every one of them. */
public class MissingSettingsException extends IllegalStateException {

    private final transient List<RequiredSettings.Setting> missing;

    public MissingSettingsException(List<RequiredSettings.Setting> missing) {
        super("Live mode cannot start: missing " + missing.stream()
                .map(s -> s.property() + " (env " + s.environmentVariable() + ")")
                .collect(Collectors.joining(", ")));
        this.missing = List.copyOf(missing);
    }

    public List<RequiredSettings.Setting> missing() {
        return missing;
    }
}
