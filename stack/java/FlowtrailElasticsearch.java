import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

/** Starts one node of a local Elasticsearch cluster: see FlowtrailNode for the arguments and why. */
public final class FlowtrailElasticsearch {
    public static void main(final String[] args) throws Exception {
        final FlowtrailNode node = FlowtrailNode.fromArgs("FlowtrailElasticsearch", args);
        // The runner builds nodes 1..N in turn; this JVM builds only its own, under the same name and folder.
        final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner() {
            @Override
            protected void execute(final int id) {
                if (id == node.nodeId) super.execute(id);
            }
        };
        runner.setMaxHttpPort(-1);
        runner.onBuild((id, settings) -> node.configure(id, "master", settings::put, settings::putList));
        node.run(runner, runner::build);
    }
}
