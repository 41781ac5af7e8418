// Admin actions the fault suites (test/live/faults-kafka.test.ts) run on a live cluster, through
// Kafka's own Java AdminClient, in one long-lived JVM: a scenario that moves leaders several
// times under load would otherwise pay a JVM start (seconds on a busy machine) per action.
// Compiled with the other helpers by tools/broker/java.mjs (every *.java in this directory).
//
// usage: KafkaWireAdmin --bootstrap HOST:PORT[,...] [COMMAND ARGS...]
//   Without a command it serves: one command per stdin line (words separated by spaces), one
//   JSON answer per stdout line, in order: {"ok":true,"result":...} or {"ok":false,"error":"..."}.
//   Exits when stdin closes. With a command, it runs that one and prints its answer.
//
// Commands:
//   reorder TOPIC P=R1,R2,R3 ...   Admin.alterPartitionReassignments: set each partition's
//                                  replica list (the same set in another order moves no data;
//                                  the first replica becomes the preferred leader).
//                                  result: null
//   elect PREFERRED|UNCLEAN TOPIC P ...
//                                  Admin.electLeaders (what kafka-leader-election runs).
//                                  result: {"P":"elected"|"not needed"|"<error>"}
//   leaders TOPIC                  Admin.describeTopics: {"P":{"leader":L,"replicas":[..],"isr":[..]}}

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.ElectionNotNeededException;

public final class KafkaWireAdmin {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_MS = 30_000;

  public static void main(String[] argv) throws Exception {
    if (argv.length < 2 || !argv[0].equals("--bootstrap")) {
      System.err.println("usage: KafkaWireAdmin --bootstrap HOST:PORT [reorder|elect|leaders ARGS...]");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, argv[1]);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_MS));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int code = 0;
    try (Admin admin = Admin.create(p)) {
      if (argv.length > 2) {
        String answer = answer(admin, Arrays.copyOfRange(argv, 2, argv.length));
        out.println(answer);
        code = answer.startsWith("{\"ok\":true") ? 0 : 1;
      } else {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("{\"ok\":true,\"result\":\"ready\"}");
        for (String line; (line = in.readLine()) != null; ) {
          if (line.isBlank()) continue;
          out.println(answer(admin, line.trim().split("\\s+")));
        }
      }
    }
    System.exit(code);
  }

  private static String answer(Admin admin, String[] cmd) {
    ObjectNode resp = JSON.createObjectNode();
    try {
      Object result = run(admin, cmd);
      resp.put("ok", true);
      resp.set("result", JSON.valueToTree(result));
    } catch (Exception e) {
      Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      resp.put("ok", false);
      resp.put("error", t.getClass().getSimpleName() + ": " + t.getMessage());
    }
    try {
      return JSON.writeValueAsString(resp);
    } catch (Exception e) {
      return "{\"ok\":false,\"error\":\"unencodable answer\"}";
    }
  }

  private static Object run(Admin admin, String[] cmd) throws Exception {
    switch (cmd[0]) {
      case "reorder": {
        String topic = cmd[1];
        Map<TopicPartition, Optional<NewPartitionReassignment>> m = new HashMap<>();
        for (int i = 2; i < cmd.length; i++) {
          String[] kv = cmd[i].split("=");
          List<Integer> replicas = new ArrayList<>();
          for (String r : kv[1].split(",")) replicas.add(Integer.parseInt(r));
          m.put(new TopicPartition(topic, Integer.parseInt(kv[0])), Optional.of(new NewPartitionReassignment(replicas)));
        }
        admin.alterPartitionReassignments(m).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        return null;
      }
      case "elect": {
        ElectionType type = ElectionType.valueOf(cmd[1]);
        String topic = cmd[2];
        Set<TopicPartition> tps = new HashSet<>();
        for (int i = 3; i < cmd.length; i++) tps.add(new TopicPartition(topic, Integer.parseInt(cmd[i])));
        Map<TopicPartition, Optional<Throwable>> r = admin.electLeaders(type, tps).partitions().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<String, String> result = new HashMap<>();
        for (Map.Entry<TopicPartition, Optional<Throwable>> e : r.entrySet()) {
          Optional<Throwable> err = e.getValue();
          String v = err.isEmpty() ? "elected"
              : err.get() instanceof ElectionNotNeededException ? "not needed"
              : err.get().getClass().getSimpleName() + ": " + err.get().getMessage();
          result.put(String.valueOf(e.getKey().partition()), v);
        }
        return result;
      }
      case "leaders": {
        String topic = cmd[1];
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic);
        ObjectNode result = JSON.createObjectNode();
        for (TopicPartitionInfo pi : d.partitions()) {
          ObjectNode n = result.putObject(String.valueOf(pi.partition()));
          n.put("leader", pi.leader() == null ? -1 : pi.leader().id());
          ArrayNode replicas = n.putArray("replicas");
          for (Node r : pi.replicas()) replicas.add(r.id());
          ArrayNode isr = n.putArray("isr");
          for (Node r : pi.isr()) isr.add(r.id());
        }
        return result;
      }
      default:
        throw new IllegalArgumentException("unknown command " + cmd[0] + " (reorder|elect|leaders)");
    }
  }
}
