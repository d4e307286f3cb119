# contacts-bridge container image: the packaged jar, extracted into Spring Boot's layers, on a JRE 17.
#
# Built from the jar the Maven build made, so the image holds the jar that `./mvnw verify` tested, and the image build
# needs no Maven, no ~/.m2 and no network beyond the base image:
#   ./mvnw -B clean verify                                # or, untested: ./mvnw -B clean package -DskipTests
#   docker build -t contacts-bridge:0.1.0 .
#   podman build --format docker -t contacts-bridge:0.1.0 .   # docker format: OCI images drop the HEALTHCHECK
# The tag is pom.xml's version; k8s/deployment.yaml names the image by it. ContainerImageTest and
# ContainerImageLayersIT (./mvnw verify, no Docker needed) check that this file, the jar and k8s/ agree.
#
# The base image is named by tag. To pin it, look up the digest the tag points at and build with it:
#   docker buildx imagetools inspect eclipse-temurin:17-jre-noble        (the "Digest:" line)
#   docker build --build-arg BASE_IMAGE=eclipse-temurin:17-jre-noble@sha256:<digest> -t contacts-bridge:0.1.0 .
ARG BASE_IMAGE=eclipse-temurin:17-jre-noble

# ---- stage 1: the executable jar extracted into its layers -------------------------------------------------------
FROM ${BASE_IMAGE} AS layers
WORKDIR /build
# The packaged jar in target/ (not the plain .jar.original); .dockerignore sends nothing else of the checkout.
ARG JAR_FILE=target/contacts-bridge-*.jar
COPY ${JAR_FILE} application.jar
RUN java -Djarmode=tools -jar application.jar extract --layers --launcher --destination extracted

# ---- stage 2: the runtime ----------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="contacts-bridge" \
      org.opencontainers.image.description="Two-way sync of BirdSend and HighLevel contacts, on Apache Camel" \
      org.opencontainers.image.licenses="Apache-2.0"
# A user of its own, named by number below so that Kubernetes' runAsNonRoot can check it (k8s/deployment.yaml runs
# the pod as the same uid and gid).
RUN groupadd --system --gid 10001 bridge \
 && useradd --system --uid 10001 --gid bridge --home-dir /application --no-create-home --shell /usr/sbin/nologin bridge
WORKDIR /application
# Least often changed first: a new build of the application changes only the last layer.
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
# ./data is where the default H2 store lives (spring.datasource.url=jdbc:h2:file:./data/...), with the sandbox's
# generated admin password: the only folder the bridge may write (the application files stay root's), and a volume,
# so the store outlives the container. With PostgreSQL (SPRING_DATASOURCE_URL) it stays empty.
RUN mkdir data && chown bridge:bridge data
VOLUME /application/data
USER 10001:10001
# server.port: the API, the webhooks, Hawtio and the health endpoints (management.server.port is not set).
EXPOSE 8080
# JVM memory from the container's memory limit: a heap of 40 % of it (256 MiB in k8s/deployment.yaml's 640Mi, the
# heap the README's "Memory and restarts" sizes the bridge for), the other regions capped so that the process stays
# under the limit, and out of memory is fatal: the JVM exits, the container's supervisor restarts it and the journal
# continues. A JAVA_TOOL_OPTIONS given at run time replaces this whole value: keep -XX:+ExitOnOutOfMemoryError in it.
# MALLOC_ARENA_MAX: fewer glibc malloc arenas, less native memory outside the JVM's own accounting.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=40 -Xss512k -XX:MaxMetaspaceSize=160m -XX:ReservedCodeCacheSize=96m -XX:MaxDirectMemorySize=32m -XX:+ExitOnOutOfMemoryError" \
    MALLOC_ARENA_MAX=2
# Readiness: UP once the bridge serves, DOWN while its store is unreachable (README "When the store is down").
# Docker and Podman only report it; Kubernetes ignores it and uses the probes in k8s/deployment.yaml (same path).
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/actuator/health/readiness || exit 1
# The extracted jar's own launcher, in exec form so that SIGTERM reaches the JVM and the bridge stops gracefully.
ENTRYPOINT ["java", "-cp", "/application", "org.springframework.boot.loader.launch.JarLauncher"]
