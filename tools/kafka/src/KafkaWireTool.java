// A small helper on Kafka's own Java client, for tests and tools (compiled once into the build
// cache by tools/broker/java.mjs). It exists because kcat cannot create topics, and because a
// reader/writer nobody in this repository wrote is the independent check on kafka-wire's bytes.
//
// Commands (all print JSON on stdout, one object per line; logs go to stderr):
//   create-topic --bootstrap B --topic T [--partitions P] [--replication-factor R] [--config k=v]...
//       creates T (no error if it exists with the same partition count) and waits until every
//       partition has a leader.
//   delete-topic --bootstrap B --topic T
//   read --bootstrap B --topic T [--expected N] [--timeout-ms MS] [--isolation read_committed]
//       reads T from the beginning of every partition with a plain KafkaConsumer (no group,
//       CRCs checked); stops at N records, or, without --expected, at the end offsets seen at start.
//       Line: {"partition","offset","timestamp","timestampType","key","value","headers":[[name,value]]}
//       with key/value/header values base64 or null, so binary and null-vs-empty survive.
//   produce --bootstrap B --topic T [--producer-property k=v]...
//       stdin: JSON lines {"key","value","headers","partition","timestamp"} (base64 / null);
//       prints one {"partition","offset","timestamp"} per record, in input order.
//   group-offsets --bootstrap B --group G
//       the group's committed offsets (AdminClient.listConsumerGroupOffsets), one line:
//       {"offsets":[{"topic","partition","offset","metadata"}]} sorted by topic and partition.
//   metadata --bootstrap B [--topic T] [--timeout-ms MS]
//       one line shaped like `kcat -L -J`: {"brokers":[{"id","name":"host:port"}],
//       "topics":[{"topic","error"?,"partitions":[{"partition","leader","replicas":[{"id"}],"isrs":[{"id"}]}]}]}
//   Every command but serve also takes --client-config FILE: a Java client properties file
//   (security.protocol, ssl.*, sasl.*: the secured test cluster's, tools/broker/secure.mjs)
//   applied before the command's own settings; --bootstrap still names the servers.
//   serve
//       a long-lived helper: stdin carries one JSON request per line {"id","args":[...],"input"?},
//       each runs on its own thread, and stdout carries one response per line
//       {"id","code","out","err"} (code/out/err as the one-shot command's exit code, stdout,
//       stderr). Exits when stdin closes (its parent is gone). Saves a JVM start per call.
//
// The same source compiles against Kafka 4.x's kafka-clients and against kafka-clients 2.3.1 (the
// reader for librdkafka's mock cluster, see tools/kafka/mock-client/pom.xml): hence AdminClient
// rather than Admin, and a reflective DescribeTopicsResult accessor.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class KafkaWireTool {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Decoder UNB64 = Base64.getDecoder();

  /** A command's failure with an exit code and a one-line message (no stack trace). */
  static final class Exit extends RuntimeException {
    final int code;

    Exit(int code, String message) {
      super(message);
      this.code = code;
    }
  }

  public static void main(String[] argv) throws Exception {
    if (argv.length > 0 && argv[0].equals("serve")) {
      serve();
      return;
    }
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    int code = 0;
    try {
      run(argv, System.in, out);
    } catch (Exit e) {
      out.flush();
      System.err.println("KafkaWireTool: " + e.getMessage());
      code = e.code;
    } catch (Throwable t) {
      out.flush();
      t.printStackTrace();
      code = 1;
    }
    out.flush();
    // Client threads (metadata, heartbeats) must not keep the JVM alive after the work is done.
    System.exit(code);
  }

  private static void run(String[] argv, InputStream in, PrintStream out) throws Exception {
    if (argv.length == 0) throw usage("missing command");
    Map<String, List<String>> opts = parse(argv);
    switch (argv[0]) {
      case "create-topic" -> createTopic(opts, out);
      case "delete-topic" -> deleteTopic(opts, out);
      case "read" -> read(opts, out);
      case "produce" -> produce(opts, in, out);
      case "metadata" -> metadata(opts, out);
      case "group-offsets" -> groupOffsets(opts, out);
      default -> throw usage("unknown command " + argv[0]);
    }
  }

  private static void serve() throws Exception {
    // The protocol owns the real stdout; anything else printing to System.out goes to stderr.
    PrintStream proto = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "kafka-wire-tool-request");
      t.setDaemon(true);
      return t;
    });
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    proto.println("{\"ready\":true}");
    proto.flush();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode req = JSON.readTree(line);
      pool.submit(() -> {
        ObjectNode resp = JSON.createObjectNode();
        resp.put("id", req.get("id").asLong());
        List<String> args = new ArrayList<>();
        for (JsonNode a : req.get("args")) args.add(a.asText());
        byte[] input = req.hasNonNull("input") ? req.get("input").asText().getBytes(StandardCharsets.UTF_8) : new byte[0];
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, false, StandardCharsets.UTF_8);
        int code = 0;
        String err = "";
        try {
          run(args.toArray(new String[0]), new ByteArrayInputStream(input), out);
        } catch (Exit e) {
          code = e.code;
          err = "KafkaWireTool: " + e.getMessage();
        } catch (Throwable t) {
          code = 1;
          StringWriter sw = new StringWriter();
          t.printStackTrace(new PrintWriter(sw));
          err = sw.toString();
        }
        String text;
        try {
          out.flush();
          resp.put("code", code);
          resp.put("out", buf.toString(StandardCharsets.UTF_8));
          resp.put("err", err);
          text = JSON.writeValueAsString(resp);
        } catch (Throwable t) {
          // Building the answer failed (e.g. OutOfMemoryError on a huge read): answer anyway,
          // small, so the caller is never left waiting.
          ObjectNode small = JSON.createObjectNode();
          small.put("id", req.get("id").asLong());
          small.put("code", 1);
          small.put("out", "");
          small.put("err", "KafkaWireTool serve: could not build the answer: " + t);
          try {
            text = JSON.writeValueAsString(small);
          } catch (Exception e) {
            text = "{\"id\":" + req.get("id").asLong() + ",\"code\":1,\"out\":\"\",\"err\":\"answer failed\"}";
          }
        }
        synchronized (proto) {
          proto.println(text);
          proto.flush();
        }
      });
    }
    System.exit(0); // stdin closed: the parent is gone
  }

  private static Exit usage(String why) {
    return new Exit(2, why + "\nusage: create-topic|delete-topic|read|produce|metadata --bootstrap HOST:PORT [--topic T] [...] | serve");
  }

  private static Map<String, List<String>> parse(String[] argv) {
    Map<String, List<String>> m = new HashMap<>();
    for (int i = 1; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) throw usage("bad argument " + argv[i]);
      m.computeIfAbsent(argv[i].substring(2), k -> new ArrayList<>()).add(argv[++i]);
    }
    return m;
  }

  private static String req(Map<String, List<String>> o, String k) {
    List<String> v = o.get(k);
    if (v == null) throw usage("missing --" + k);
    return v.get(v.size() - 1);
  }

  private static Optional<String> opt(Map<String, List<String>> o, String k) {
    List<String> v = o.get(k);
    return v == null ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  private static Map<String, String> kvs(Map<String, List<String>> o, String k) {
    Map<String, String> m = new HashMap<>();
    for (String kv : o.getOrDefault(k, List.of())) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw usage("expected k=v for --" + k + ": " + kv);
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return m;
  }

  /**
   * A client's base properties: the --client-config file (if any), then --bootstrap.
   * An OAUTHBEARER token endpoint named by the file is added to the JVM's allow-list
   * (org.apache.kafka.sasl.oauthbearer.allowed.urls, which Kafka 4 checks before fetching any
   * OAuth URL): the file is the test cluster's own, and this JVM serves many of them.
   */
  private static Properties clientProps(Map<String, List<String>> o) throws Exception {
    Properties p = new Properties();
    Optional<String> file = opt(o, "client-config");
    if (file.isPresent()) {
      try (InputStream in = new java.io.FileInputStream(file.get())) {
        p.load(in);
      }
      String url = p.getProperty("sasl.oauthbearer.token.endpoint.url");
      if (url != null && (url.startsWith("http://") || url.startsWith("https://"))) allowOAuthUrl(url);
    }
    p.put("bootstrap.servers", req(o, "bootstrap"));
    return p;
  }

  private static synchronized void allowOAuthUrl(String url) {
    String key = "org.apache.kafka.sasl.oauthbearer.allowed.urls";
    String now = System.getProperty(key, "");
    for (String u : now.split(",")) if (u.trim().equals(url)) return;
    System.setProperty(key, now.isBlank() ? url : now + "," + url);
  }

  private static AdminClient admin(Map<String, List<String>> o, long requestTimeoutMs, long apiTimeoutMs) throws Exception {
    Properties p = clientProps(o);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(requestTimeoutMs));
    // default.api.timeout.ms is newer than kafka-clients 2.3 (which would warn about it).
    if (AdminClientConfig.configNames().contains("default.api.timeout.ms")) p.put("default.api.timeout.ms", String.valueOf(apiTimeoutMs));
    return AdminClient.create(p);
  }

  private static AdminClient admin(Map<String, List<String>> o) throws Exception {
    return admin(o, 20_000, 60_000);
  }

  /** DescribeTopicsResult.allTopicNames() (3.1+) or all() (before; removed in 4.0). */
  @SuppressWarnings("unchecked")
  private static Map<String, TopicDescription> describeTopics(AdminClient admin, List<String> topics, long timeoutMs) throws Exception {
    Object result = admin.describeTopics(topics);
    java.lang.reflect.Method m;
    try {
      m = result.getClass().getMethod("allTopicNames");
    } catch (NoSuchMethodException e) {
      m = result.getClass().getMethod("all");
    }
    return ((KafkaFuture<Map<String, TopicDescription>>) m.invoke(result)).get(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private static void metadata(Map<String, List<String>> o, PrintStream out) throws Exception {
    long timeoutMs = Long.parseLong(opt(o, "timeout-ms").orElse("10000"));
    Optional<String> topic = opt(o, "topic");
    AdminClient admin = admin(o, Math.min(timeoutMs, 3_000), timeoutMs);
    try {
      ObjectNode md = JSON.createObjectNode();
      ArrayNode brokers = md.putArray("brokers");
      List<Node> nodes = new ArrayList<>(admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS));
      nodes.sort(Comparator.comparingInt(Node::id));
      for (Node n : nodes) brokers.addObject().put("id", n.id()).put("name", n.host() + ":" + n.port());
      ArrayNode topics = md.putArray("topics");
      if (topic.isPresent()) {
        // Partitions through a consumer's Metadata request (with auto-creation off): Admin's
        // describeTopics needs Metadata v4+, which librdkafka's mock does not speak.
        ObjectNode t = topics.addObject();
        t.put("topic", topic.get());
        ArrayNode parts = t.putArray("partitions");
        Properties cp = clientProps(o);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put("allow.auto.create.topics", "false");
        cp.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(timeoutMs, 3_000)));
        List<PartitionInfo> infos;
        try {
          try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
            infos = c.partitionsFor(topic.get(), Duration.ofMillis(timeoutMs));
          } catch (org.apache.kafka.common.errors.UnsupportedVersionException e) {
            // Metadata < v4 (the mock) has no way to say "do not create": ask the plain way.
            cp.put("allow.auto.create.topics", "true");
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
              infos = c.partitionsFor(topic.get(), Duration.ofMillis(timeoutMs));
            }
          }
        } catch (UnknownTopicOrPartitionException e) {
          infos = List.of();
        }
        {
          if (infos == null || infos.isEmpty()) t.put("error", "UNKNOWN_TOPIC_OR_PART");
          else {
            infos = new ArrayList<>(infos);
            infos.sort(Comparator.comparingInt(PartitionInfo::partition));
            for (PartitionInfo p : infos) {
              ObjectNode pn = parts.addObject();
              pn.put("partition", p.partition());
              pn.put("leader", p.leader() == null ? -1 : p.leader().id());
              ArrayNode replicas = pn.putArray("replicas");
              for (Node r : p.replicas()) replicas.addObject().put("id", r.id());
              ArrayNode isrs = pn.putArray("isrs");
              for (Node r : p.inSyncReplicas()) isrs.addObject().put("id", r.id());
            }
          }
        }
      }
      out.println(JSON.writeValueAsString(md));
    } finally {
      admin.close(Duration.ofSeconds(2));
    }
  }

  private static void createTopic(Map<String, List<String>> o, PrintStream out) throws Exception {
    String topic = req(o, "topic");
    int partitions = Integer.parseInt(opt(o, "partitions").orElse("1"));
    short rf = Short.parseShort(opt(o, "replication-factor").orElse("1"));
    try (AdminClient admin = admin(o)) {
      try {
        admin.createTopics(List.of(new NewTopic(topic, partitions, rf).configs(kvs(o, "config"))))
            .all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
      // CreateTopics returns once the controller committed the topic; brokers learn it a little
      // later. Wait until every partition has a leader so a producer's first send finds it.
      long deadline = System.currentTimeMillis() + 60_000;
      for (;;) {
        try {
          TopicDescription d = describeTopics(admin, List.of(topic), 60_000).get(topic);
          boolean ready = d.partitions().size() >= partitions
              && d.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() >= 1);
          if (ready) {
            ObjectNode n = JSON.createObjectNode();
            n.put("topic", topic);
            n.put("partitions", d.partitions().size());
            n.put("replicationFactor", d.partitions().get(0).replicas().size());
            out.println(JSON.writeValueAsString(n));
            return;
          }
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
        }
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("topic " + topic + " has no leaders after 60 s");
        Thread.sleep(50);
      }
    }
  }

  private static void deleteTopic(Map<String, List<String>> o, PrintStream out) throws Exception {
    String topic = req(o, "topic");
    try (AdminClient admin = admin(o)) {
      admin.deleteTopics(List.of(topic)).all().get();
    }
    out.println("{\"deleted\":" + JSON.writeValueAsString(topic) + "}");
  }

  private static String b64(byte[] b) {
    return b == null ? null : B64.encodeToString(b);
  }

  private static void read(Map<String, List<String>> o, PrintStream out) throws Exception {
    String topic = req(o, "topic");
    long expected = Long.parseLong(opt(o, "expected").orElse("-1"));
    long timeoutMs = Long.parseLong(opt(o, "timeout-ms").orElse("30000"));
    Properties p = clientProps(o);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, opt(o, "isolation").orElse("read_uncommitted"));
    long deadline = System.currentTimeMillis() + timeoutMs;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      // The topic may not exist yet (auto-created by the first produce): retry until it does.
      List<PartitionInfo> infos = List.of();
      while (System.currentTimeMillis() < deadline) {
        infos = c.partitionsFor(topic, Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
        if (infos != null && !infos.isEmpty()) break;
        Thread.sleep(100);
      }
      if (infos == null || infos.isEmpty()) throw new Exit(4, "topic " + topic + " not found within " + timeoutMs + " ms");
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo i : infos) tps.add(new TopicPartition(topic, i.partition()));
      c.assign(tps);
      // Offsets are looked up one partition per request: librdkafka's mock (2.0.2) answers a
      // ListOffsets request for several partitions with a response the Java client cannot match
      // up (NullPointerException in Fetcher.handleListOffsetResponse). Real Kafka does not mind.
      Map<TopicPartition, Long> end = new HashMap<>();
      for (TopicPartition tp : tps) {
        c.seek(tp, c.beginningOffsets(List.of(tp)).get(tp));
        if (expected < 0) end.put(tp, c.endOffsets(List.of(tp)).get(tp));
      }
      long count = 0;
      Map<Integer, Long> perPartition = new HashMap<>();
      while (System.currentTimeMillis() < deadline) {
        if (expected >= 0 && count >= expected) break;
        if (expected < 0) {
          boolean atEnd = true;
          for (TopicPartition tp : tps) if (c.position(tp) < end.get(tp)) atEnd = false;
          if (atEnd) break;
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          ObjectNode n = JSON.createObjectNode();
          n.put("partition", r.partition());
          n.put("offset", r.offset());
          n.put("timestamp", r.timestamp());
          n.put("timestampType", r.timestampType().name);
          n.put("key", b64(r.key()));
          n.put("value", b64(r.value()));
          ArrayNode hs = n.putArray("headers");
          for (Header h : r.headers()) hs.addArray().add(h.key()).add(b64(h.value()));
          out.println(JSON.writeValueAsString(n));
          perPartition.merge(r.partition(), 1L, Long::sum);
          count++;
        }
      }
      if (expected >= 0 && count < expected) {
        // Say, per partition, what was read against what the log holds now: a shortfall the log
        // also has is lost data; one it does not have is a slow or stuck read.
        StringBuilder why = new StringBuilder();
        for (TopicPartition tp : tps) {
          String where;
          try {
            where = "position " + c.position(tp, Duration.ofSeconds(5)) + ", log offsets "
                + c.beginningOffsets(List.of(tp), Duration.ofSeconds(5)).get(tp) + ".." + c.endOffsets(List.of(tp), Duration.ofSeconds(5)).get(tp);
          } catch (Exception e) {
            where = "position and log offsets unknown (" + e + ")";
          }
          why.append("\n  partition ").append(tp.partition()).append(": read ").append(perPartition.getOrDefault(tp.partition(), 0L)).append(", ").append(where);
        }
        throw new Exit(3, "read " + count + " of " + expected + " records from " + topic + " before the timeout" + why);
      }
    }
  }

  private static void groupOffsets(Map<String, List<String>> o, PrintStream out) throws Exception {
    String group = req(o, "group");
    try (AdminClient admin = AdminClient.create(clientProps(o))) {
      Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      List<TopicPartition> tps = new ArrayList<>(offsets.keySet());
      tps.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
      ObjectNode n = JSON.createObjectNode();
      ArrayNode list = n.putArray("offsets");
      for (TopicPartition tp : tps) {
        org.apache.kafka.clients.consumer.OffsetAndMetadata om = offsets.get(tp);
        if (om == null) continue;
        ObjectNode e = list.addObject();
        e.put("topic", tp.topic());
        e.put("partition", tp.partition());
        e.put("offset", om.offset());
        e.put("metadata", om.metadata());
      }
      out.println(JSON.writeValueAsString(n));
    }
  }

  private static byte[] unb64(JsonNode n) {
    return n == null || n.isNull() ? null : UNB64.decode(n.asText());
  }

  private static void produce(Map<String, List<String>> o, InputStream stdin, PrintStream out) throws Exception {
    String topic = req(o, "topic");
    Properties p = clientProps(o);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.putAll(kvs(o, "producer-property"));
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p);
        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode r = JSON.readTree(line);
        List<Header> headers = new ArrayList<>();
        if (r.has("headers")) for (JsonNode h : r.get("headers")) headers.add(new RecordHeader(h.get(0).asText(), unb64(h.get(1))));
        Integer partition = r.hasNonNull("partition") ? r.get("partition").asInt() : null;
        Long ts = r.hasNonNull("timestamp") ? r.get("timestamp").asLong() : null;
        acks.add(prod.send(new ProducerRecord<>(topic, partition, ts, unb64(r.get("key")), unb64(r.get("value")), headers)));
      }
      prod.flush();
      for (Future<RecordMetadata> f : acks) {
        RecordMetadata md = f.get();
        out.println("{\"partition\":" + md.partition() + ",\"offset\":" + md.offset() + ",\"timestamp\":" + md.timestamp() + "}");
      }
    }
  }
}
