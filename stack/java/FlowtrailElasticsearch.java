import java.util.ArrayList;
import java.util.List;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

/**
 * Starts ONE node of an N-node Elasticsearch cluster in this JVM through the cluster runner; a cluster of N nodes
 * is N of these JVMs, so that one node can be stopped, killed or have its data directory replaced on its own.
 *
 * The runner's own main() cannot be used: it refuses HTTP ports above 9299, silently moves to the next
 * port when one is taken, and leaves transport ports and discovery to ES defaults (9300-9305 seed hosts),
 * so two local stacks with the same cluster name would merge. Here every port is fixed.
 *
 * Args: basePath clusterName nodes httpPort transportPort nodeId repoPath
 * Node i (1-based) listens on httpPort+i-1 and transportPort+i-1 and keeps its data in basePath/node_i;
 * repoPath is the path.repo of snapshot repositories, shared by all nodes.
 */
public final class FlowtrailElasticsearch {
    public static void main(final String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println(
                    "usage: FlowtrailElasticsearch basePath clusterName nodes httpPort transportPort nodeId repoPath");
            System.exit(2);
        }
        final String basePath = args[0];
        final String clusterName = args[1];
        final int nodes = Integer.parseInt(args[2]);
        final int httpPort = Integer.parseInt(args[3]);
        final int transportPort = Integer.parseInt(args[4]);
        final int nodeId = Integer.parseInt(args[5]);
        final String repoPath = args[6];

        final List<String> seedHosts = new ArrayList<>();
        final List<String> masters = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            seedHosts.add("127.0.0.1:" + (transportPort + i - 1));
            masters.add(nodeName(i));
        }

        // The runner builds nodes 1..N in turn; this JVM builds only its own, under the same name and folder.
        final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner() {
            @Override
            protected void execute(final int id) {
                if (id == nodeId) super.execute(id);
            }
        };
        runner.setMaxHttpPort(-1);
        runner.onBuild((id, settings) -> {
            settings.put("node.name", nodeName(id));
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", httpPort + id - 1);
            settings.put("transport.port", transportPort + id - 1);
            settings.put("path.repo", repoPath);
            // The runner defaults to master+data only, which would reject every ingest pipeline.
            settings.putList("node.roles", "master", "data", "ingest");
            // A developer disk that is 90% full must not turn every index read-only.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            if (nodes == 1) {
                settings.put("discovery.type", "single-node");
            } else {
                settings.putList("discovery.seed_hosts", seedHosts);
                // Only read on the very first start; later starts reuse the persisted cluster state.
                settings.putList("cluster.initial_master_nodes", masters);
                // Nodes start in separate JVMs at about the same time; none waits for the others to form a quorum.
                settings.put("discovery.initial_state_timeout", "0s");
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final Exception e) {
                System.err.println("failed to close the node: " + e);
            }
        }));
        runner.build("-basePath", basePath, "-clusterName", clusterName, "-numOfNode", String.valueOf(nodes));
        Thread.currentThread().join();
    }

    private static String nodeName(final int id) {
        return "node-" + id;
    }
}
