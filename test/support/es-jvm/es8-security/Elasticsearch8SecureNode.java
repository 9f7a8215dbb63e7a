import com.carrotsearch.randomizedtesting.RandomizedRunner;
import com.carrotsearch.randomizedtesting.annotations.ThreadLeakScope;
import com.carrotsearch.randomizedtesting.annotations.Timeout;
import com.carrotsearch.randomizedtesting.annotations.TimeoutSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.SecureString;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.transport.netty4.Netty4Plugin;
import org.elasticsearch.xpack.core.XPackPlugin;
import org.elasticsearch.xpack.core.security.authc.support.Hasher;
import org.elasticsearch.xpack.flowtrailtest.SecurityWithoutSaml;
import org.junit.Test;
import org.junit.runner.RunWith;

/**
 * One Elasticsearch 8.19 node with security on (basic license: users, roles, API keys), plain HTTP, and a
 * superuser `admin` in the file realm whose password is the system property es8.password.
 *
 * MockNode is the only way to start a node whose plugins come from the classpath, and it needs the randomized
 * testing context of the test framework, so the node runs as a never-ending test under JUnit.
 * System properties: es8.home, es8.password, es8.http_port, es8.transport_port.
 */
@RunWith(RandomizedRunner.class)
@ThreadLeakScope(ThreadLeakScope.Scope.NONE)
@TimeoutSuite(millis = Integer.MAX_VALUE)
public class Elasticsearch8SecureNode {
    @Test
    @Timeout(millis = Integer.MAX_VALUE)
    public void run() throws Exception {
        LogConfigurator.loadLog4jPlugins();
        LogConfigurator.configureESLogging();
        final Path home = Path.of(System.getProperty("es8.home"));
        final Path config = home.resolve("config");
        Files.createDirectories(config);
        final SecureString password = new SecureString(System.getProperty("es8.password").toCharArray());
        Files.writeString(config.resolve("users"), "admin:" + new String(Hasher.BCRYPT.hash(password)) + "\n");
        Files.writeString(config.resolve("users_roles"), "superuser:admin\n");
        Files.writeString(config.resolve("roles.yml"), "");
        final Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("cluster.name", "flowtrail-es8-security")
            .put("node.name", "node-1")
            .put("network.host", "127.0.0.1")
            .put("http.port", System.getProperty("es8.http_port"))
            .put("transport.port", System.getProperty("es8.transport_port"))
            .put("discovery.type", "single-node")
            .put("http.type", "security4")
            .put("transport.type", "security4")
            .put("xpack.security.enabled", true)
            .put("xpack.security.http.ssl.enabled", false)
            .put("xpack.security.transport.ssl.enabled", false)
            .put("xpack.security.authc.api_key.enabled", true)
            .put("xpack.license.self_generated.type", "basic")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        final MockNode node = new MockNode(
            settings,
            List.of(Netty4Plugin.class, XPackPlugin.class, SecurityWithoutSaml.class, EmailAnalysisPlugin.class, RootInfoPlugin.class, IngestCommonStandIn.class),
            config,
            false
        );
        node.start();
        Thread.currentThread().join();
    }
}
