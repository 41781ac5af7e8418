// Starts one Kafka node (broker+controller) in one JVM: formats its storage if needed, then runs
// kafka.Kafka. Formatting in a separate `kafka.tools.StorageTool format` JVM costs ~1.5 s per
// node (a JVM start plus loading Kafka's classes); here the broker reuses the classes the
// formatter loaded. Compiled against the resolved jars, so an API change shows up as a javac
// error naming StorageTool.execute, not as a broker that silently fails to start.
//
// usage: KafkaWireNode <server.properties> <cluster-id>

public final class KafkaWireNode {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: KafkaWireNode <server.properties> <cluster-id>");
      System.exit(2);
    }
    String props = args[0];
    // --ignore-formatted: a restarted node keeps its data.
    int rc = kafka.tools.StorageTool.execute(
        new String[] {"format", "--cluster-id", args[1], "--config", props, "--ignore-formatted"},
        System.out);
    if (rc != 0) {
      System.err.println("KafkaWireNode: formatting storage failed with exit code " + rc);
      System.exit(rc);
    }
    kafka.Kafka.main(new String[] {props});
  }
}
