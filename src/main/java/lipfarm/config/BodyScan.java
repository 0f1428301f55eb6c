package lipfarm.config;

import static lipfarm.config.FarmText.EXCERPT;
import static lipfarm.config.FarmText.excerpt;

import java.util.ArrayList;
import java.util.List;
import lipfarm.config.FarmText.Refused;

/**
 * One pass over the characters, with an explicit stack: refuses includes, substitutions and {@code
 * +=}, and bounds the nesting depth, counting each segment of a dotted key ({@code a.b.c = 1} nests
 * as deep as {@code a { b { c = 1 } }}). It over-counts rather than under-counts on odd input; the
 * parser reports what is actually malformed. It records the key path open at the start of each
 * line, to name the key of a parser error.
 */
final class BodyScan {
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

  private BodyScan(String s, int maxDepth) {
    this.s = s;
    this.maxDepth = maxDepth;
  }

  static BodyScan of(String text, int maxDepth) {
    BodyScan scan = new BodyScan(text, maxDepth);
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
      } else if (isWhitespace(c)) {
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

  /** Whitespace as the HOCON parser sees it: Java's, plus the no-break spaces and the BOM. */
  private static boolean isWhitespace(char c) {
    return Character.isWhitespace(c)
        || c == '\u00A0'
        || c == '\u2007'
        || c == '\u202F'
        || c == '\uFEFF';
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
      if (isWhitespace(c)
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
