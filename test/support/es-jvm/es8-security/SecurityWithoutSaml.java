package org.elasticsearch.xpack.flowtrailtest;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.xpack.security.Security;

/**
 * Security without the SAML, OpenID Connect and JWT endpoints, whose libraries are not on Maven Central. It lives
 * in an org.elasticsearch.xpack package because Elasticsearch lets only its own plugins wrap REST requests, which
 * is how security authenticates them.
 */
public class SecurityWithoutSaml extends Security {
    public SecurityWithoutSaml(final Settings settings) {
        super(settings);
    }

    private static boolean needsMissingLibraries(final Class<?> type) {
        return type.getName().matches(".*(Saml|Oidc|OpenIdConnect|Jwt).*");
    }

    @Override
    public List<ActionHandler<? extends ActionRequest, ? extends ActionResponse>> getActions() {
        return super.getActions().stream()
            .filter(h -> !needsMissingLibraries(h.getTransportAction()))
            .collect(Collectors.toList());
    }

    @Override
    public List<RestHandler> getRestHandlers(
        final Settings settings,
        final NamedWriteableRegistry namedWriteableRegistry,
        final RestController restController,
        final ClusterSettings clusterSettings,
        final IndexScopedSettings indexScopedSettings,
        final SettingsFilter settingsFilter,
        final IndexNameExpressionResolver indexNameExpressionResolver,
        final Supplier<DiscoveryNodes> nodesInCluster,
        final Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return super.getRestHandlers(settings, namedWriteableRegistry, restController, clusterSettings, indexScopedSettings,
            settingsFilter, indexNameExpressionResolver, nodesInCluster, clusterSupportsFeature)
            .stream().filter(h -> !needsMissingLibraries(h.getClass())).collect(Collectors.toList());
    }
}
