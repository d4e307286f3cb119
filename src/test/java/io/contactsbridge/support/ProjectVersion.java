package io.contactsbridge.support;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The project's version as pom.xml declares it ({@code /project/version}, not the parent's): the one the status, the
 * info endpoint, the image tag in k8s/ and CHANGELOG.md must all show. Read from the file, not from the build, so a
 * test fails when a place was not updated with the pom.
 */
public final class ProjectVersion {

    private ProjectVersion() {
    }

    public static String fromPom() {
        Path pom = Path.of("pom.xml");
        if (!Files.isRegularFile(pom)) {
            throw new IllegalStateException("no pom.xml in " + Path.of("").toAbsolutePath() + " (tests run in the project folder)");
        }
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = factory.newDocumentBuilder().parse(pom.toFile());
            for (Node n = doc.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals("version")) {
                    return e.getTextContent().trim();
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read pom.xml: " + e.getMessage(), e);
        }
        throw new IllegalStateException("pom.xml has no <version> of its own");
    }
}
