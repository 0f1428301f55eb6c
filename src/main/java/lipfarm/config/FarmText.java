package lipfarm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.net.URL;

/**
 * Farm text from someone else (a request body) read as data only: no {@code include} of files, URLs
 * or class-path resources, no {@code ${...}} substitution (so neither the environment nor system
 * properties are ever read), no {@code +=}, and a nesting depth checked by {@link BodyScan}, a
 * non-recursive pass over the characters, before the recursive HOCON parser runs. A user's own farm
 * files keep includes and substitutions: they are read by {@link FarmDefinition#load}.
 *
 * <p>Every problem is a {@link Refused} naming the key (or {@code FILE}), the line when known, and
 * a message that quotes at most {@link #EXCERPT} characters of the text.
 */
public final class FarmText {
  private FarmText() {}

  /** Default deepest nesting of objects, lists and dotted keys; a farm file needs about 6. */
  public static final int DEFAULT_MAX_DEPTH = 32;

  /** Most characters of the text quoted in one message. */
  public static final int EXCERPT = 60;

  /** A text that is not accepted; nothing of it was used. */
  public static final class Refused extends RuntimeException {
    private final String key;
    private final int line;
    private final String detail;

    public Refused(String key, int line, String detail) {
      super(key + (line > 0 ? " (line " + line + ")" : "") + ": " + detail, null, false, false);
      this.key = key;
      this.line = line;
      this.detail = detail;
    }

    /** The offending key, fully qualified, or {@code FILE} when no key applies. */
    public String key() {
      return key;
    }

    /** The 1-based line, or 0 when unknown. */
    public int line() {
      return line;
    }

    /** The message without key and line. */
    public String detail() {
      return detail;
    }
  }

  /** A parsed and validated farm and the configuration it was read from. */
  public record Parsed(FarmDefinition definition, Config root) {}

  /**
   * Parses and validates farm text given by someone else.
   *
   * @param maxDepth deepest nesting accepted (objects, lists and the segments of dotted keys)
   * @throws Refused for every problem; nothing outside the text is read
   */
  public static Parsed parse(String text, int maxDepth) {
    BodyScan scan = BodyScan.of(text, maxDepth);
    Config root;
    try {
      root =
          ConfigFactory.parseString(
              text,
              ConfigParseOptions.defaults()
                  .setSyntax(ConfigSyntax.CONF)
                  .setOriginDescription("body")
                  .setIncluder(NoIncludes.INSTANCE));
    } catch (com.typesafe.config.ConfigException e) {
      int line = lineOf(e.origin());
      throw new Refused(
          scan.keyAtLine(line), line, "not valid HOCON or JSON: " + parserMessage(e, line));
    } catch (StackOverflowError e) {
      // Unreachable while BodyScan bounds the depth; kept so a parser change cannot stop the
      // service.
      throw new Refused("FILE", 0, "nested too deeply to read");
    }
    if (!root.isResolved()) {
      throw new Refused("FILE", 0, "substitutions ${...} are not allowed here");
    }
    checkPrintable(root.root());
    try {
      return new Parsed(FarmDefinition.fromConfig(root), root);
    } catch (ConfigException e) {
      String detail = e.getMessage();
      if (detail.startsWith(e.key() + ": ")) {
        detail = detail.substring(e.key().length() + 2);
      }
      throw new Refused(excerpt(e.key()), lineOfKey(root, e.key()), detail);
    } catch (StackOverflowError e) {
      throw new Refused("FILE", 0, "nested too deeply to read");
    }
  }

  /**
   * Refuses control characters and unpaired surrogates in every key and string: no farm setting
   * needs them, and they would travel into reports, logs and terminals (escape sequences).
   * Iterative: the tree is walked with an explicit stack.
   */
  private static void checkPrintable(ConfigObject root) {
    java.util.ArrayDeque<Object[]> todo = new java.util.ArrayDeque<>();
    todo.push(new Object[] {"", root});
    while (!todo.isEmpty()) {
      Object[] item = todo.pop();
      String path = (String) item[0];
      ConfigValue v = (ConfigValue) item[1];
      if (v instanceof ConfigObject o) {
        for (java.util.Map.Entry<String, ConfigValue> e : o.entrySet()) {
          String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
          refuseUnprintable(e.getKey(), child, e.getValue());
          todo.push(new Object[] {child, e.getValue()});
        }
      } else if (v instanceof com.typesafe.config.ConfigList l) {
        for (int i = 0; i < l.size(); i++) {
          todo.push(new Object[] {path + "[" + i + "]", l.get(i)});
        }
      } else if (v.unwrapped() instanceof String text) {
        refuseUnprintable(text, path, v);
      }
    }
  }

  private static void refuseUnprintable(String text, String key, ConfigValue where) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean unpaired =
          Character.isHighSurrogate(c)
              ? i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))
              : Character.isLowSurrogate(c)
                  && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
      if (Character.isISOControl(c) || unpaired) {
        throw new Refused(
            excerpt(printable(key)),
            lineOf(where.origin()),
            String.format(
                "contains the character U+%04X; only printable text is allowed here", (int) c));
      }
    }
  }

  /** {@code s} with control characters and unpaired surrogates replaced by U+FFFD. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        b.append('\uFFFD');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** At most {@link #EXCERPT} characters of {@code s}, for quoting in a message. */
  public static String excerpt(String s) {
    if (s == null) {
      return "";
    }
    if (s.length() <= EXCERPT) {
      return s;
    }
    int end = EXCERPT;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "… (" + s.length() + " characters)";
  }

  private static int lineOf(ConfigOrigin origin) {
    return origin == null ? 0 : Math.max(0, origin.lineNumber());
  }

  /** The parser's message without its origin prefix, bounded in length. */
  private static String parserMessage(com.typesafe.config.ConfigException e, int line) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    String prefix = "body: " + line + ": ";
    if (m.startsWith(prefix)) {
      m = m.substring(prefix.length());
    } else if (m.startsWith("body: ")) {
      m = m.substring("body: ".length());
    }
    // The parser's hint about quoting is long and generic.
    int hint = m.indexOf(" (if you intended");
    if (hint > 0) {
      m = m.substring(0, hint);
    }
    m = m.replaceAll("\\s+", " ").trim();
    return m.length() <= 2 * EXCERPT ? m : m.substring(0, 2 * EXCERPT) + "…";
  }

  /**
   * The line where {@code key} (as named by {@link FarmDefinition}, e.g. {@code farm.grid.k[1]})
   * was set, or 0. Walks the parsed tree by key segment; a key that is not a plain path gives 0.
   */
  public static int lineOfKey(Config root, String key) {
    if (key == null || key.equals("FILE")) {
      return 0;
    }
    ConfigValue v = root.root();
    int line = 0;
    for (String part : key.split("\\.")) {
      int index = -1;
      int bracket = part.indexOf('[');
      if (bracket > 0 && part.endsWith("]")) {
        try {
          index = Integer.parseInt(part.substring(bracket + 1, part.length() - 1));
        } catch (NumberFormatException e) {
          return line;
        }
        part = part.substring(0, bracket);
      }
      if (!(v instanceof ConfigObject o) || !o.containsKey(part)) {
        return line;
      }
      v = o.get(part);
      line = Math.max(line, lineOf(v.origin()));
      if (index >= 0) {
        if (!(v instanceof com.typesafe.config.ConfigList l) || index >= l.size()) {
          return line;
        }
        v = l.get(index);
        line = Math.max(line, lineOf(v.origin()));
      }
    }
    return line;
  }

  /**
   * Refuses every include, whatever its form; installed as a second line behind {@link BodyScan}.
   */
  private enum NoIncludes
      implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    INSTANCE;

    private static Refused refused() {
      return new Refused("FILE", 0, "include is not allowed here");
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      throw refused();
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
      throw refused();
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
      throw refused();
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
      throw refused();
    }
  }
}
