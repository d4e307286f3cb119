package io.contactsbridge.ops;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.stereotype.Component;

/** The running version: from build-info, else the jar manifest, else "dev" (an IDE run). */
@Component
public class AppVersion {

    private final String version;

    public AppVersion(ObjectProvider<BuildProperties> build) {
        BuildProperties b = build.getIfAvailable();
        String fromManifest = AppVersion.class.getPackage().getImplementationVersion();
        this.version = b != null ? b.getVersion() : fromManifest != null ? fromManifest : "dev";
    }

    public String get() {
        return version;
    }
}
