import com.carrotsearch.randomizedtesting.RandomizedRunner;
import com.carrotsearch.randomizedtesting.annotations.ThreadLeakScope;
import com.carrotsearch.randomizedtesting.annotations.Timeout;
import com.carrotsearch.randomizedtesting.annotations.TimeoutSuite;
import java.nio.file.Path;
import java.util.List;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.transport.netty4.Netty4Plugin;
import org.junit.Test;
import org.junit.runner.RunWith;

/**
 * One Elasticsearch 9 node in this JVM, with the real HTTP layer (netty4) and the plugin answering GET /.
 *
 * MockNode is the only way to start a node whose plugins come from the classpath, and it needs the randomized
 * testing context of the test framework, so the node runs as a never-ending test under JUnit.
 * System properties: es9.home, es9.http_port, es9.transport_port.
 */
@RunWith(RandomizedRunner.class)
@ThreadLeakScope(ThreadLeakScope.Scope.NONE)
@TimeoutSuite(millis = Integer.MAX_VALUE)
public class Elasticsearch9Node {
    @Test
    @Timeout(millis = Integer.MAX_VALUE)
    public void run() throws Exception {
        final Path home = Path.of(System.getProperty("es9.home"));
        final Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("cluster.name", "flowtrail-es9")
            .put("node.name", "node-1")
            .put("network.host", "127.0.0.1")
            .put("http.port", System.getProperty("es9.http_port"))
            .put("transport.port", System.getProperty("es9.transport_port"))
            .put("discovery.type", "single-node")
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        final MockNode node = new MockNode(
            settings,
            List.of(Netty4Plugin.class, RootInfoPlugin.class, IngestCommonStandIn.class),
            home.resolve("config"),
            false
        );
        node.start();
        Thread.currentThread().join();
    }
}
