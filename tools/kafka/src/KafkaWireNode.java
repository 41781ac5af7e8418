// Starts one Kafka node (broker+controller) in one JVM: formats its storage if needed, then runs
// kafka.Kafka. Formatting in a separate `kafka.tools.StorageTool format` JVM costs ~1.5 s per
// node (a JVM start plus loading Kafka's classes); here the broker reuses the classes the
// formatter loaded. Compiled against the resolved jars (4.4's, and 3.9.1's for the older
// broker), so an API change shows up as a javac error naming StorageTool.execute, not as a
// broker that silently fails to start.
//
// usage: KafkaWireNode <server.properties> <cluster-id> [<format-args-file>]
//   format-args-file: more `kafka-storage format` arguments, one per line (the secured cluster's
//   `--add-scram SCRAM-SHA-256=[name=alice,password=...]`): in a file, not on the command line,
//   because they carry passwords and any user can read a process's command line.

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public final class KafkaWireNode {
  public static void main(String[] args) throws Exception {
    if (args.length != 2 && args.length != 3) {
      System.err.println("usage: KafkaWireNode <server.properties> <cluster-id> [<format-args-file>]");
      System.exit(2);
    }
    String props = args[0];
    // --ignore-formatted: a restarted node keeps its data.
    List<String> format = new ArrayList<>(List.of("format", "--cluster-id", args[1], "--config", props, "--ignore-formatted"));
    if (args.length == 3) {
      for (String line : Files.readAllLines(Path.of(args[2]), StandardCharsets.UTF_8)) if (!line.isEmpty()) format.add(line);
    }
    int rc = kafka.tools.StorageTool.execute(format.toArray(new String[0]), System.out);
    if (rc != 0) {
      System.err.println("KafkaWireNode: formatting storage failed with exit code " + rc);
      System.exit(rc);
    }
    kafka.Kafka.main(new String[] {props});
  }
}
