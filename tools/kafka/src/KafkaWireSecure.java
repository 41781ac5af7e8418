// The Java half of the secured test cluster's start (tools/broker/secure.mjs), in one JVM that
// runs while the brokers come up:
//   1. key and trust stores: PKCS12 and JKS files made from the PEM material openssl wrote
//      (openssl 3.0 cannot mark a PKCS12 certificate as trusted for Java, and only Java writes
//      JKS; one JVM instead of a keytool start per file);
//   2. waits for the cluster on its PLAINTEXT listener (ANONYMOUS, a super user) and creates the
//      ACLs through Kafka's AdminClient;
//   3. readiness: for every check, an AdminClient built from a client properties file (the
//      files the tool hands to users, so a broken file fails the start) asks for the cluster;
//      retried until it answers with every broker, since a listener can refuse a correct login
//      for a moment at startup (SCRAM credentials reach a broker through the metadata log).
//
// usage: KafkaWireSecure <spec.json>
//   {"timeoutMs":N, "brokers":N, "bootstrap":"127.0.0.1:P,...",
//    "stores":[{"type":"PKCS12|JKS","out":F,"password":P,"trusted":[PEM...]}
//             |{"type":...,"out":F,"password":P,"alias":A,"key":PKCS8_PEM,"chain":PEM}],
//    "acls":[{"principal":"User:alice","resourceType":"TOPIC","name":"*","pattern":"LITERAL|PREFIXED","operation":"WRITE"}],
//    "checks":[{"name":N,"file":PROPERTIES,"overrides":{k:v}}]}
// stdout: one JSON line per step ({"step":"stores"|"cluster"|"acls"|"check",...}); exit 0 when
// every check passed, 1 otherwise (the failures on stderr, each with its last error).
//
// The spec file names passwords; it lives in the secured cluster's state dir (mode 0600).

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public final class KafkaWireSecure {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: KafkaWireSecure <spec.json>");
      System.exit(2);
    }
    JsonNode spec = JSON.readTree(Files.readString(Path.of(args[0])));
    long deadline = System.currentTimeMillis() + spec.path("timeoutMs").asLong(120_000);
    int brokers = spec.path("brokers").asInt(1);

    long t0 = System.currentTimeMillis();
    for (JsonNode s : spec.path("stores")) writeStore(s);
    step("stores", t0, null);

    t0 = System.currentTimeMillis();
    Properties admin = new Properties();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, spec.get("bootstrap").asText());
    String err = awaitCluster(admin, brokers, deadline);
    if (err != null) fail("the cluster did not answer on PLAINTEXT: " + err);
    step("cluster", t0, null);

    t0 = System.currentTimeMillis();
    List<AclBinding> acls = new ArrayList<>();
    for (JsonNode a : spec.path("acls")) {
      acls.add(new AclBinding(
          new ResourcePattern(ResourceType.fromString(a.get("resourceType").asText()), a.get("name").asText(), PatternType.fromString(a.get("pattern").asText())),
          new AccessControlEntry(a.get("principal").asText(), "*", AclOperation.fromString(a.get("operation").asText()), AclPermissionType.ALLOW)));
    }
    if (!acls.isEmpty()) {
      try (Admin a = Admin.create(admin)) {
        a.createAcls(acls).all().get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      }
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("count", acls.size());
    step("acls", t0, n);

    // The checks run side by side: each is mostly waiting (TLS and SASL round trips).
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<String> names = new ArrayList<>();
    List<Future<String>> results = new ArrayList<>();
    for (JsonNode c : spec.path("checks")) {
      Properties p = new Properties();
      try (InputStream in = new FileInputStream(c.get("file").asText())) {
        p.load(in);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = c.path("overrides").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        p.put(e.getKey(), e.getValue().asText());
      }
      names.add(c.get("name").asText());
      long started = System.currentTimeMillis();
      results.add(pool.submit(() -> {
        String why = awaitCluster(p, brokers, deadline);
        if (why == null) {
          ObjectNode d = JSON.createObjectNode();
          d.put("name", c.get("name").asText());
          step("check", started, d);
        }
        return why;
      }));
    }
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      String why = results.get(i).get();
      if (why != null) failures.add(names.get(i) + ": " + why);
    }
    pool.shutdownNow();
    if (!failures.isEmpty()) fail(failures.size() + " of " + names.size() + " listener checks failed:\n  " + String.join("\n  ", failures));
    System.exit(0);
  }

  private static synchronized void step(String name, long t0, ObjectNode extra) {
    ObjectNode n = extra == null ? JSON.createObjectNode() : extra;
    n.put("step", name);
    n.put("ms", System.currentTimeMillis() - t0);
    System.out.println(n.toString());
    System.out.flush();
  }

  private static void fail(String message) {
    System.err.println("KafkaWireSecure: " + message);
    System.exit(1);
  }

  /**
   * Asks the cluster for its brokers with these client properties until it lists `brokers`
   * of them or the deadline passes. Returns null on success, else the last error seen.
   */
  private static String awaitCluster(Properties base, int brokers, long deadline) {
    Properties p = new Properties();
    p.putAll(base);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    p.put("default.api.timeout.ms", "10000");
    // Fail fast on a refused login and try again with a fresh client (the backoffs of one
    // client would otherwise stretch a retry over seconds).
    p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
    String last = "no attempt before the deadline";
    while (System.currentTimeMillis() < deadline) {
      try (Admin a = Admin.create(p)) {
        Collection<Node> nodes = a.describeCluster().nodes().get(Math.max(1, Math.min(10_000, deadline - System.currentTimeMillis())), TimeUnit.MILLISECONDS);
        if (nodes.size() >= brokers) return null;
        last = "the cluster lists " + nodes.size() + " of " + brokers + " brokers";
      } catch (Exception e) {
        Throwable t = e.getCause() != null ? e.getCause() : e;
        last = t.getClass().getSimpleName() + ": " + t.getMessage();
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return "interrupted";
      }
    }
    return last;
  }

  private static void writeStore(JsonNode s) throws Exception {
    KeyStore ks = KeyStore.getInstance(s.get("type").asText());
    ks.load(null, null);
    char[] password = s.get("password").asText().toCharArray();
    if (s.has("trusted")) {
      int i = 0;
      for (JsonNode pem : s.get("trusted")) {
        for (Certificate c : certificates(pem.asText())) ks.setCertificateEntry("ca-" + (i++), c);
      }
    } else {
      List<Certificate> chain = certificates(s.get("chain").asText());
      ks.setKeyEntry(s.get("alias").asText(), privateKey(s.get("key").asText()), password, chain.toArray(new Certificate[0]));
    }
    Path out = Path.of(s.get("out").asText());
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    // Owner-only, like the PEM files beside it: key stores hold private keys.
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    try (OutputStream o = Files.newOutputStream(tmp)) {
      ks.store(o, password);
    }
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static List<Certificate> certificates(String pemFile) throws Exception {
    byte[] pem = Files.readAllBytes(Path.of(pemFile));
    List<Certificate> out = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)));
    if (out.isEmpty()) throw new IllegalArgumentException("no certificate in " + pemFile);
    return out;
  }

  /** An unencrypted PKCS#8 PEM key (openssl 3's default output), EC or RSA. */
  private static PrivateKey privateKey(String pemFile) throws Exception {
    String text = Files.readString(Path.of(pemFile), StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < 0) throw new IllegalArgumentException(pemFile + " holds no unencrypted PKCS#8 key");
    byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    Exception first = null;
    for (String alg : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (Exception e) {
        if (first == null) first = e;
      }
    }
    throw new IllegalArgumentException("cannot read the key in " + pemFile, first);
  }
}
