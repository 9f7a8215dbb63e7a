import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenizerFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The three pieces of analysis-common (not on Maven Central) that the .security index's `email` analyzer names,
 * built on the Lucene classes that do the work, so that the security index (users, API keys) can be created.
 */
public final class EmailAnalysisPlugin extends Plugin implements AnalysisPlugin {
    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "pattern_capture",
            (indexSettings, env, name, settings) -> new AbstractTokenFilterFactory(name, settings) {
                private final Pattern[] patterns = settings.getAsList("patterns").stream().map(Pattern::compile).toArray(Pattern[]::new);
                private final boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);

                @Override
                public TokenStream create(final TokenStream input) {
                    return new PatternCaptureGroupTokenFilter(input, preserveOriginal, patterns);
                }
            },
            "unique",
            (indexSettings, env, name, settings) -> new AbstractTokenFilterFactory(name, settings) {
                @Override
                public TokenStream create(final TokenStream input) {
                    return new RemoveDuplicatesTokenFilter(input);
                }
            }
        );
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of(
            "uax_url_email",
            (indexSettings, env, name, settings) -> new AbstractTokenizerFactory(indexSettings, settings, name) {
                @Override
                public Tokenizer create() {
                    return new UAX29URLEmailTokenizer();
                }
            }
        );
    }
}
