package io.contactsbridge.sync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The intake benchmark's load generator, run as a process of its own (so its CPU is not the bridge's JVM's):
 * {@code IntakeLoad <baseUrl> <ed25519 PKCS#8 base64> <kind> <concurrency> <seconds> [maxRequests]} sends as many
 * requests of one kind as it can with that many connections for that long (or until maxRequests), and prints one line
 * {@code RESULT kind concurrency requests seconds okCount p50ms p99ms otherStatuses}, after a line
 * {@code WARMUP requests okCount} for its uncounted warm-up second.
 * Kinds: {@code cheap} (POST /webhooks/birdsend, which answers 404 as no secret is set: the cheapest POST of the same
 * server), {@code verify} (a signed HighLevel webhook of a type the bridge ignores: signature checked and JSON read,
 * nothing stored, 202), {@code store} (a signed ContactCreate with a new webhookId: verified and journaled, 200).
 */
public final class IntakeLoad {

    public static void main(String[] args) throws Exception {
        String base = args[0];
        PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(
                new PKCS8EncodedKeySpec(Base64.getDecoder().decode(args[1])));
        String kind = args[2];
        int concurrency = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        long maxRequests = args.length > 5 ? Long.parseLong(args[5]) : Long.MAX_VALUE;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        // Warm-up: a second of the same requests, not counted in RESULT; its expected answers are printed apart, since
        // a store warm-up journals events too (a bench that counts the journal needs them).
        AtomicLong warmUpCount = new AtomicLong();
        AtomicLong warmUpOk = new AtomicLong();
        run(http, base, key, kind, concurrency, 1.0, Long.MAX_VALUE, new long[1 << 16], warmUpCount, warmUpOk);
        System.out.printf("WARMUP %d %d%n", warmUpCount.get(), warmUpOk.get());
        long[] latencies = new long[1 << 22];
        AtomicLong count = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        long start = System.nanoTime();
        List<String> others = run(http, base, key, kind, concurrency, seconds, maxRequests, latencies, count, ok);
        double took = (System.nanoTime() - start) / 1e9;
        int n = (int) Math.min(count.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        double p50 = n == 0 ? 0 : sorted[(int) Math.ceil(n * 0.50) - 1] / 1e6;
        double p99 = n == 0 ? 0 : sorted[(int) Math.ceil(n * 0.99) - 1] / 1e6;
        System.out.printf("RESULT %s %d %d %.3f %d %.2f %.2f %s%n", kind, concurrency, count.get(), took, ok.get(), p50, p99,
                others.isEmpty() ? "-" : String.join(",", others.subList(0, Math.min(5, others.size()))));
    }

    private static List<String> run(HttpClient http, String base, PrivateKey key, String kind, int concurrency,
                                    double seconds, long maxRequests, long[] latencies, AtomicLong count, AtomicLong ok)
            throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<String> others = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(concurrency);
        int expected = switch (kind) {
            case "cheap" -> 404;
            case "verify" -> 202;
            default -> 200;
        };
        for (int t = 0; t < concurrency; t++) {
            Thread worker = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        long i = count.getAndIncrement();
                        if (i >= maxRequests) {
                            count.decrementAndGet();
                            break;
                        }
                        HttpRequest request = request(base, key, kind);
                        long start = System.nanoTime();
                        int status;
                        try {
                            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        } catch (Exception e) {
                            status = -1;
                        }
                        long took = System.nanoTime() - start;
                        if (i < latencies.length) {
                            latencies[(int) i] = took;
                        }
                        if (status == expected) {
                            ok.incrementAndGet();
                        } else if (others.size() < 100) {
                            others.add(Integer.toString(status));
                        }
                    }
                } catch (Exception e) {
                    others.add(e.toString());
                } finally {
                    done.countDown();
                }
            });
            worker.setDaemon(true);
            worker.start();
        }
        done.await();
        return others;
    }

    private static HttpRequest request(String base, PrivateKey key, String kind) throws Exception {
        if (kind.equals("cheap")) {
            return HttpRequest.newBuilder(URI.create(base + "/webhooks/birdsend")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"contactId\":1}")).build();
        }
        String id = UUID.randomUUID().toString();
        String type = kind.equals("verify") ? "BenchmarkPing" : "ContactCreate";
        byte[] body = ("{\"type\":\"" + type + "\",\"locationId\":\"bench-location\",\"id\":\"c" + id.substring(0, 12)
                + "\",\"email\":\"load-" + id.substring(0, 8) + "@example.com\",\"firstName\":\"Load\",\"lastName\":\"Test\","
                + "\"tags\":[\"bench\"],\"timestamp\":\"" + Instant.now() + "\",\"webhookId\":\"" + id + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        // Signed by Bouncy Castle (as the bridge verifies): the JDK's Ed25519 costs the load generator, on the same two
        // cores, about half a millisecond per request, which the bridge's figures would pay for.
        byte[] encoded = key.getEncoded(); // PKCS#8 ending with the 32-byte seed (RFC 8410)
        byte[] signature = new byte[org.bouncycastle.math.ec.rfc8032.Ed25519.SIGNATURE_SIZE];
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(encoded, encoded.length - 32, body, 0, body.length, signature, 0);
        return HttpRequest.newBuilder(URI.create(base + "/webhooks/highlevel")).header("Content-Type", "application/json")
                .header("x-ghl-signature", Base64.getEncoder().encodeToString(signature))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private IntakeLoad() {
    }
}
