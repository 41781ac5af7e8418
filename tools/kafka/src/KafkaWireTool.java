// A small helper on Kafka's own Java client, for tests and tools (compiled once into the state
// dir by tools/broker/kafka.mjs). It exists because kcat cannot create topics, and because a
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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
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

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0) usage("missing command");
    Map<String, List<String>> opts = parse(argv);
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    switch (argv[0]) {
      case "create-topic" -> createTopic(opts, out);
      case "delete-topic" -> deleteTopic(opts, out);
      case "read" -> read(opts, out);
      case "produce" -> produce(opts, out);
      default -> usage("unknown command " + argv[0]);
    }
    out.flush();
    // Client threads (metadata, heartbeats) must not keep the JVM alive after the work is done.
    System.exit(0);
  }

  private static void usage(String why) {
    System.err.println("KafkaWireTool: " + why
        + "\nusage: create-topic|delete-topic|read|produce --bootstrap HOST:PORT --topic T [...]");
    System.exit(2);
  }

  private static Map<String, List<String>> parse(String[] argv) {
    Map<String, List<String>> m = new HashMap<>();
    for (int i = 1; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) usage("bad argument " + argv[i]);
      m.computeIfAbsent(argv[i].substring(2), k -> new ArrayList<>()).add(argv[++i]);
    }
    return m;
  }

  private static String req(Map<String, List<String>> o, String k) {
    List<String> v = o.get(k);
    if (v == null) usage("missing --" + k);
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
      if (eq <= 0) usage("expected k=v for --" + k + ": " + kv);
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return m;
  }

  private static Admin admin(Map<String, List<String>> o) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, req(o, "bootstrap"));
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
    return Admin.create(p);
  }

  private static void createTopic(Map<String, List<String>> o, PrintStream out) throws Exception {
    String topic = req(o, "topic");
    int partitions = Integer.parseInt(opt(o, "partitions").orElse("1"));
    short rf = Short.parseShort(opt(o, "replication-factor").orElse("1"));
    try (Admin admin = admin(o)) {
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
          TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
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
    try (Admin admin = admin(o)) {
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
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, req(o, "bootstrap"));
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
      if (infos == null || infos.isEmpty()) throw new IllegalStateException("topic " + topic + " not found");
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo i : infos) tps.add(new TopicPartition(topic, i.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = expected < 0 ? c.endOffsets(tps) : Map.of();
      long count = 0;
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
          count++;
        }
      }
      if (expected >= 0 && count < expected) {
        out.flush();
        System.err.println("read " + count + " of " + expected + " records from " + topic + " before the timeout");
        System.exit(3);
      }
    }
  }

  private static byte[] unb64(JsonNode n) {
    return n == null || n.isNull() ? null : UNB64.decode(n.asText());
  }

  private static void produce(Map<String, List<String>> o, PrintStream out) throws Exception {
    String topic = req(o, "topic");
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, req(o, "bootstrap"));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.putAll(kvs(o, "producer-property"));
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
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
