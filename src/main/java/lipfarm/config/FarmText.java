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
import java.util.ArrayList;
import java.util.List;

/**
 * Farm text from someone else (a request body) read as data only: no {@code include} of files, URLs
 * or class-path resources, no {@code ${...}} substitution (so neither the environment nor system
 * properties are ever read), no {@code +=}, and a nesting depth checked by {@link Scan}, a
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
    Scan scan = Scan.of(text, maxDepth);
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
      // Unreachable while Scan bounds the depth; kept so a parser change cannot stop the service.
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
   * needs them, and they could not be written to the farm's files as UTF-8. Iterative: the tree is
   * walked with an explicit stack.
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

  /** Refuses every include, whatever its form; installed as a second line behind {@link Scan}. */
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

  /**
   * One pass over the characters, with an explicit stack: refuses includes, substitutions and
   * {@code +=}, and bounds the nesting depth, counting each segment of a dotted key ({@code a.b.c =
   * 1} nests as deep as {@code a { b { c = 1 } }}). It over-counts rather than under-counts on odd
   * input; the parser reports what is actually malformed. It records the key path open at the start
   * of each line, to name the key of a parser error.
   */
  static final class Scan {
    private static final String NOT_UNQUOTED = "$\"{}[]:=,+#`^?!@*&\\";

    private final String s;
    private final int maxDepth;
    private final List<String> keyAtLine = new ArrayList<>();
    // The open containers: their depth, whether each is an object, and its key path.
    private int[] depth = new int[16];
    private boolean[] object = new boolean[16];
    private String[] path = new String[16];
    private int top;
    private int line = 1;
    // The field being read in the innermost object.
    private boolean inKey = true;
    private boolean valueStarted;
    private int segments;
    private boolean sawKey;
    private final StringBuilder key = new StringBuilder();

    private Scan(String s, int maxDepth) {
      this.s = s;
      this.maxDepth = maxDepth;
    }

    static Scan of(String text, int maxDepth) {
      Scan scan = new Scan(text, maxDepth);
      scan.run();
      return scan;
    }

    String keyAtLine(int line) {
      if (line < 1 || line > keyAtLine.size()) {
        return "FILE";
      }
      String k = keyAtLine.get(line - 1);
      return k.isEmpty() ? "FILE" : k;
    }

    private Refused refuse(String detail) {
      return new Refused(currentKey(), line, detail);
    }

    private String currentKey() {
      String p = path[top];
      if (object[top] && sawKey && key.length() > 0) {
        String k = key.toString().trim();
        p = p.isEmpty() ? k : p + "." + k;
      }
      return p.isEmpty() ? "FILE" : excerpt(p);
    }

    private void push(boolean isObject, int d, String p) {
      if (d > maxDepth) {
        throw refuse("nested deeper than " + maxDepth + " levels (objects, lists and dotted keys)");
      }
      if (++top == depth.length) {
        depth = java.util.Arrays.copyOf(depth, top * 2);
        object = java.util.Arrays.copyOf(object, top * 2);
        path = java.util.Arrays.copyOf(path, top * 2);
      }
      depth[top] = d;
      object[top] = isObject;
      path[top] = p;
      startField();
    }

    private void startField() {
      inKey = object[top];
      valueStarted = false;
      segments = 1;
      sawKey = false;
      key.setLength(0);
    }

    private String childPath() {
      if (!object[top] || !sawKey) {
        return path[top];
      }
      String k = excerpt(key.toString().trim());
      return path[top].isEmpty() ? k : path[top] + "." + k;
    }

    private void run() {
      depth[0] = 1;
      object[0] = true;
      path[0] = "";
      startField();
      keyAtLine.add("");
      int n = s.length();
      int i = 0;
      while (i < n) {
        char c = s.charAt(i);
        if (c == '\n') {
          line++;
          keyAtLine.add(path[top]);
          // A newline ends a field once its value has begun; "a =\n{...}" keeps the key.
          if (object[top] && (!inKey ? valueStarted : !sawKey)) {
            startField();
          }
          i++;
        } else if (Character.isWhitespace(c) || c == '\uFEFF') {
          i++;
        } else if (c == '#' || (c == '/' && i + 1 < n && s.charAt(i + 1) == '/')) {
          while (i < n && s.charAt(i) != '\n') {
            i++;
          }
        } else if (c == '"') {
          i = quoted(i);
        } else if (c == '$') {
          if (i + 1 < n && s.charAt(i + 1) == '{') {
            throw refuse("substitutions ${...} are not allowed here; write the value itself");
          }
          i++;
          valueStarted = true;
        } else if (c == '+' && i + 1 < n && s.charAt(i + 1) == '=') {
          throw refuse("'+=' is not allowed here; write the whole list");
        } else if (c == '{' || c == '[') {
          boolean isObject = c == '{';
          if (object[top] && inKey && sawKey) {
            // "a.b { ... }": the key's segments, the last of which holds the object.
            push(isObject, depth[top] + segments, childPath());
          } else if (object[top] && !inKey) {
            push(isObject, depth[top] + segments, childPath());
          } else {
            push(isObject, depth[top] + 1, path[top]);
          }
          i++;
        } else if (c == '}' || c == ']') {
          if (top > 0) {
            top--;
          }
          // The value of the enclosing field has begun (it may continue: "{a=1} {b=2}").
          if (object[top]) {
            inKey = false;
            valueStarted = true;
          }
          i++;
        } else if (c == ',') {
          if (object[top]) {
            startField();
          }
          i++;
        } else if (c == '=' || c == ':') {
          if (object[top] && inKey) {
            if (depth[top] + segments - 1 > maxDepth) {
              throw refuse(
                  "nested deeper than " + maxDepth + " levels (objects, lists and dotted keys)");
            }
            inKey = false;
            valueStarted = false;
          } else {
            valueStarted = true;
          }
          i++;
        } else {
          i = unquoted(i);
        }
      }
    }

    /** A quoted or triple-quoted string from {@code i}; returns the index after it. */
    private int quoted(int i) {
      int n = s.length();
      boolean triple = s.startsWith("\"\"\"", i);
      int j = i + (triple ? 3 : 1);
      int start = j;
      int end;
      if (triple) {
        while (j < n && !s.startsWith("\"\"\"", j)) {
          if (s.charAt(j) == '\n') {
            line++;
            keyAtLine.add(path[top]);
          }
          j++;
        }
        end = j;
        j = Math.min(n, j + 3);
        while (j < n && s.charAt(j) == '"') {
          j++;
        }
      } else {
        while (j < n && s.charAt(j) != '"' && s.charAt(j) != '\n') {
          j += s.charAt(j) == '\\' ? 2 : 1;
        }
        end = Math.min(j, n);
        if (j < n && s.charAt(j) == '"') {
          j++;
        }
      }
      token(s.substring(Math.min(start, end), end));
      return Math.min(j, n);
    }

    /** Unquoted text from {@code i} up to whitespace or a reserved character. */
    private int unquoted(int i) {
      int n = s.length();
      int j = i;
      while (j < n) {
        char c = s.charAt(j);
        if (Character.isWhitespace(c)
            || NOT_UNQUOTED.indexOf(c) >= 0
            || (c == '/' && j + 1 < n && s.charAt(j + 1) == '/')) {
          break;
        }
        j++;
      }
      if (j == i) {
        // A reserved character the parser will reject (such as '!'); step over it.
        valueStarted = true;
        return i + 1;
      }
      String word = s.substring(i, j);
      if (word.equals("include")) {
        throw refuse("include is not allowed here; send the farm itself");
      }
      if (object[top] && inKey) {
        for (int k = 0; k < word.length(); k++) {
          if (word.charAt(k) == '.') {
            segments++;
          }
        }
      }
      token(word);
      return j;
    }

    private void token(String text) {
      if (object[top] && inKey) {
        sawKey = true;
        if (key.length() < 2 * EXCERPT) {
          key.append(text, 0, Math.min(text.length(), 2 * EXCERPT - key.length()));
        }
      } else {
        valueStarted = true;
      }
    }
  }
}
