import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * ONE node of an N-node Elasticsearch or OpenSearch cluster, started in this JVM through the engine's cluster
 * runner; a cluster of N nodes is N of these JVMs, so that one node can be stopped, killed or have its data directory
 * replaced on its own. The two engines' runners and settings builders are classes of different jars, so the
 * launchers (FlowtrailElasticsearch, FlowtrailOpenSearch) keep only the lines that name them and hand those to this.
 *
 * The runners' own main() cannot be used: it refuses HTTP ports above 9299, silently moves to the next port when
 * one is taken, and leaves transport ports and discovery to the engine's defaults (9300-9305 seed hosts), so two
 * local stacks with the same cluster name would merge. Here every port is fixed.
 *
 * Args: basePath clusterName nodes httpPort transportPort nodeId repoPath
 * Node i (1-based) listens on httpPort+i-1 and transportPort+i-1 and keeps its data in basePath/node_i;
 * repoPath is the path.repo of snapshot repositories, shared by all nodes.
 */
final class FlowtrailNode {
    /** The node this JVM runs (1-based): the runner must build only this one of the cluster's nodes. */
    final int nodeId;

    private final String basePath;
    private final String clusterName;
    private final int nodes;
    private final int httpPort;
    private final int transportPort;
    private final String repoPath;

    private FlowtrailNode(final String[] args) {
        basePath = args[0];
        clusterName = args[1];
        nodes = Integer.parseInt(args[2]);
        httpPort = Integer.parseInt(args[3]);
        transportPort = Integer.parseInt(args[4]);
        nodeId = Integer.parseInt(args[5]);
        repoPath = args[6];
    }

    /** The node the arguments name; exits with a usage line naming `launcher` when they are not seven. */
    static FlowtrailNode fromArgs(final String launcher, final String[] args) {
        if (args.length != 7) {
            System.err.println(
                    "usage: " + launcher + " basePath clusterName nodes httpPort transportPort nodeId repoPath");
            System.exit(2);
        }
        return new FlowtrailNode(args);
    }

    /**
     * Puts the settings of node `id` through the engine's settings builder (`put`, `putList`). `managerRole` is
     * what the engine calls a master-eligible node: OpenSearch renamed "master" to "cluster_manager", and the
     * initial-masters setting with it.
     */
    void configure(
            final int id,
            final String managerRole,
            final BiConsumer<String, String> put,
            final BiConsumer<String, List<String>> putList) {
        put.accept("node.name", nodeName(id));
        put.accept("network.host", "127.0.0.1");
        put.accept("http.port", String.valueOf(httpPort + id - 1));
        put.accept("transport.port", String.valueOf(transportPort + id - 1));
        put.accept("path.repo", repoPath);
        // The runner defaults to master+data only, which would reject every ingest pipeline.
        putList.accept("node.roles", List.of(managerRole, "data", "ingest"));
        // A developer disk that is 90% full must not turn every index read-only.
        put.accept("cluster.routing.allocation.disk.threshold_enabled", "false");
        if (nodes == 1) {
            put.accept("discovery.type", "single-node");
            return;
        }
        final List<String> seedHosts = new ArrayList<>();
        final List<String> managers = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            seedHosts.add("127.0.0.1:" + (transportPort + i - 1));
            managers.add(nodeName(i));
        }
        putList.accept("discovery.seed_hosts", seedHosts);
        // Only read on the very first start; later starts reuse the persisted cluster state.
        putList.accept("cluster.initial_" + managerRole + "_nodes", managers);
        // Nodes start in separate JVMs at about the same time; none waits for the others to form a quorum.
        put.accept("discovery.initial_state_timeout", "0s");
    }

    /**
     * Builds the node through the runner's `build` (its own argument parser) and keeps this JVM up until it is
     * stopped; the node is closed on the way out.
     */
    void run(final Closeable runner, final Consumer<String[]> build) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final Exception e) {
                System.err.println("failed to close the node: " + e);
            }
        }));
        build.accept(new String[] {
            "-basePath", basePath, "-clusterName", clusterName, "-numOfNode", String.valueOf(nodes)
        });
        Thread.currentThread().join();
    }

    private static String nodeName(final int id) {
        return "node-" + id;
    }
}
