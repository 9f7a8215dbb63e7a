import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.elasticsearch.ingest.AbstractProcessor;
import org.elasticsearch.ingest.ConfigurationUtils;
import org.elasticsearch.ingest.IngestDocument;
import org.elasticsearch.ingest.Processor;
import org.elasticsearch.plugins.IngestPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The two ingest processors flowtrail's pipeline uses, `set` and `dissect`, which Elasticsearch ships in its
 * ingest-common module; that module is not on Maven Central. Only the options flowtrail's pipeline passes are
 * understood (set: field, value with {{{path}}} templates, override; dissect: field, pattern of %{key} and literal
 * separators), so a pipeline that needs more fails here as it would on a server without the option.
 */
public final class IngestCommonStandIn extends Plugin implements IngestPlugin {
    private static final Pattern TEMPLATE = Pattern.compile("\\{\\{\\{?([^{}]+?)\\}?\\}\\}");
    private static final Pattern DISSECT_KEY = Pattern.compile("%\\{([^}]*)\\}");

    @Override
    public Map<String, Processor.Factory> getProcessors(final Processor.Parameters parameters) {
        return Map.of("set", IngestCommonStandIn::set, "dissect", IngestCommonStandIn::dissect);
    }

    private static Processor set(
        final Map<String, Processor.Factory> factories,
        final String tag,
        final String description,
        final Map<String, Object> config
    ) {
        final String field = ConfigurationUtils.readStringProperty("set", tag, config, "field");
        final String value = ConfigurationUtils.readStringProperty("set", tag, config, "value");
        final boolean override = ConfigurationUtils.readBooleanProperty("set", tag, config, "override", true);
        return new AbstractProcessor(tag, description) {
            @Override
            public IngestDocument execute(final IngestDocument document) {
                if (override || document.hasField(field) == false) {
                    final Matcher matcher = TEMPLATE.matcher(value);
                    final StringBuilder rendered = new StringBuilder();
                    while (matcher.find()) {
                        final Object part = document.getFieldValue(matcher.group(1).trim(), Object.class, true);
                        matcher.appendReplacement(rendered, Matcher.quoteReplacement(part == null ? "" : part.toString()));
                    }
                    matcher.appendTail(rendered);
                    document.setFieldValue(field, rendered.toString());
                }
                return document;
            }

            @Override
            public String getType() {
                return "set";
            }
        };
    }

    private static Processor dissect(
        final Map<String, Processor.Factory> factories,
        final String tag,
        final String description,
        final Map<String, Object> config
    ) {
        final String field = ConfigurationUtils.readStringProperty("dissect", tag, config, "field");
        final String pattern = ConfigurationUtils.readStringProperty("dissect", tag, config, "pattern");
        final List<String> keys = new ArrayList<>();
        // separators.get(i) is the literal text before keys.get(i); the last entry is what follows the last key.
        final List<String> separators = new ArrayList<>();
        final Matcher matcher = DISSECT_KEY.matcher(pattern);
        int at = 0;
        while (matcher.find()) {
            separators.add(pattern.substring(at, matcher.start()));
            keys.add(matcher.group(1));
            at = matcher.end();
        }
        separators.add(pattern.substring(at));
        return new AbstractProcessor(tag, description) {
            @Override
            public IngestDocument execute(final IngestDocument document) {
                final String text = document.getFieldValue(field, String.class);
                if (text.startsWith(separators.get(0)) == false) throw new IllegalArgumentException("dissect: no match");
                int from = separators.get(0).length();
                final String[] values = new String[keys.size()];
                for (int k = 0; k < keys.size(); k++) {
                    final String next = separators.get(k + 1);
                    final int end = k == keys.size() - 1 && next.isEmpty() ? text.length() : text.indexOf(next, from);
                    if (end < 0) throw new IllegalArgumentException("dissect: [" + text + "] does not match [" + pattern + "]");
                    values[k] = text.substring(from, end);
                    from = end + next.length();
                }
                for (int k = 0; k < keys.size(); k++) {
                    if (keys.get(k).isEmpty() == false) document.setFieldValue(keys.get(k), values[k]);
                }
                return document;
            }

            @Override
            public String getType() {
                return "dissect";
            }
        };
    }
}
