import org.codelibs.opensearch.runner.OpenSearchRunner;

/** Starts one node of a local OpenSearch cluster: see FlowtrailNode for the arguments and why. */
public final class FlowtrailOpenSearch {
    public static void main(final String[] args) throws Exception {
        final FlowtrailNode node = FlowtrailNode.fromArgs("FlowtrailOpenSearch", args);
        // The runner builds nodes 1..N in turn; this JVM builds only its own, under the same name and folder.
        final OpenSearchRunner runner = new OpenSearchRunner() {
            @Override
            protected void execute(final int id) {
                if (id == node.nodeId) super.execute(id);
            }
        };
        runner.setMaxHttpPort(-1);
        runner.onBuild((id, settings) -> node.configure(id, "cluster_manager", settings::put, settings::putList));
        node.run(runner, runner::build);
    }
}
