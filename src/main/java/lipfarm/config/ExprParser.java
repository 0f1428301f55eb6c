package lipfarm.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import lipfarm.config.Expr.Binary;
import lipfarm.config.Expr.Call;
import lipfarm.config.Expr.Literal;
import lipfarm.config.Expr.Type;
import lipfarm.config.Expr.Unary;
import lipfarm.config.Expr.Var;

/**
 * A hand-written recursive-descent parser for grid expressions. Farm files reach the HTTP service
 * from anyone, so the input is bounded before any work: at most {@link #MAX_LENGTH} characters and
 * {@link #MAX_DEPTH} nested levels (parentheses, unary operators, powers), counted explicitly
 * rather than left to the Java stack. Types are checked while parsing. Errors carry the 1-based
 * character position.
 *
 * <pre>
 * or      := and ("or" and)*
 * and     := not ("and" not)*
 * not     := "not" not | compare
 * compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
 * sum     := product (("+" | "-") product)*
 * product := unary (("*" | "/") unary)*
 * unary   := ("-" | "+") unary | power
 * power   := primary ("^" unary)?                      right-associative: 2^3^2 = 2^9
 * primary := number | name | "true" | "false" | 'text' | function "(" or ("," or)* ")" | "(" or ")"
 * </pre>
 *
 * A name is a parameter key ({@code learning-rate}; {@code learning_rate} works too): a hyphen
 * between letters belongs to the name, so subtraction needs a space ({@code n - k}).
 */
final class ExprParser {

  static final int MAX_LENGTH = 500;
  static final int MAX_DEPTH = 32;

  /** A syntax or type error at a 1-based character position. */
  static final class ExprException extends RuntimeException {
    final int position;

    ExprException(int position, String message) {
      super(message);
      this.position = position;
    }
  }

  private record Token(String kind, String text, int position) {}

  private final Function<String, Type> types; // parameter key → type, or null if not allowed
  private final Function<String, String> whyNot; // why an unknown name is not allowed
  private final List<Token> tokens;
  private int next;
  private int depth;

  private ExprParser(String source, Function<String, Type> types, Function<String, String> whyNot) {
    this.types = types;
    this.whyNot = whyNot;
    this.tokens = tokenize(source);
  }

  /**
   * Parses one expression.
   *
   * @param types the allowed names and their types (absent: not allowed)
   * @param whyNot explains a name that is not allowed (for example a derived parameter)
   */
  static Expr parse(String source, Map<String, Type> types, Function<String, String> whyNot) {
    if (source.length() > MAX_LENGTH) {
      throw new ExprException(
          MAX_LENGTH + 1, "longer than " + MAX_LENGTH + " characters; split it into several");
    }
    ExprParser p = new ExprParser(source, types::get, whyNot);
    Expr e = p.or();
    Token t = p.peek();
    if (!t.kind.equals("end")) {
      throw new ExprException(
          t.position,
          t.kind.equals("name") || t.kind.equals("number")
              ? "expected an operator before '" + t.text + "'"
              : "unexpected '" + t.text + "'");
    }
    return e;
  }

  // ---- grammar --------------------------------------------------------------------------------

  private Expr or() {
    Expr left = and();
    while (accept("or")) {
      int at = previous().position;
      left =
          new Binary(
              "or",
              want(left, Type.BOOLEAN, "or", at),
              want(and(), Type.BOOLEAN, "or", at),
              Type.BOOLEAN);
    }
    return left;
  }

  private Expr and() {
    Expr left = not();
    while (accept("and")) {
      int at = previous().position;
      left =
          new Binary(
              "and",
              want(left, Type.BOOLEAN, "and", at),
              want(not(), Type.BOOLEAN, "and", at),
              Type.BOOLEAN);
    }
    return left;
  }

  private Expr not() {
    if (accept("not")) {
      int at = previous().position;
      enter(at);
      Expr operand = want(not(), Type.BOOLEAN, "not", at);
      depth--;
      return new Unary("not", operand, Type.BOOLEAN);
    }
    return compare();
  }

  private static final Set<String> COMPARISONS = Set.of("<", "<=", ">", ">=", "==", "!=");

  private Expr compare() {
    Expr left = sum();
    Token t = peek();
    if (!COMPARISONS.contains(t.text) || !t.kind.equals("op")) {
      return left;
    }
    next++;
    Expr right = sum();
    if (t.text.equals("==") || t.text.equals("!=")) {
      if (left.type() != right.type()) {
        throw new ExprException(
            t.position,
            "'"
                + t.text
                + "' compares "
                + left.type().article()
                + " with "
                + right.type().article());
      }
    } else {
      want(left, Type.NUMBER, t.text, t.position);
      want(right, Type.NUMBER, t.text, t.position);
    }
    Token after = peek();
    if (after.kind.equals("op") && COMPARISONS.contains(after.text)) {
      throw new ExprException(after.position, "comparisons do not chain; write 'a < b and b < c'");
    }
    return new Binary(t.text, left, right, Type.BOOLEAN);
  }

  private Expr sum() {
    Expr left = product();
    while (peekOp("+") || peekOp("-")) {
      Token op = tokens.get(next++);
      left = arithmetic(op, left, product());
    }
    return left;
  }

  private Expr product() {
    Expr left = unary();
    while (peekOp("*") || peekOp("/")) {
      Token op = tokens.get(next++);
      left = arithmetic(op, left, unary());
    }
    return left;
  }

  private Expr unary() {
    if (peekOp("-") || peekOp("+")) {
      Token op = tokens.get(next++);
      enter(op.position);
      Expr operand = want(unary(), Type.NUMBER, op.text, op.position);
      depth--;
      return new Unary(op.text, operand, Type.NUMBER);
    }
    return power();
  }

  private Expr power() {
    Expr base = primary();
    if (peekOp("^")) {
      Token op = tokens.get(next++);
      enter(op.position);
      Expr exponent = unary();
      depth--;
      return arithmetic(op, base, exponent);
    }
    return base;
  }

  private Expr primary() {
    Token t = tokens.get(next++);
    switch (t.kind) {
      case "number" -> {
        double v = Double.parseDouble(t.text);
        if (!Double.isFinite(v)) {
          throw new ExprException(t.position, "number '" + t.text + "' is out of range");
        }
        return new Literal(v, Type.NUMBER);
      }
      case "string" -> {
        return new Literal(t.text, Type.STRING);
      }
      case "true", "false" -> {
        return new Literal(Boolean.valueOf(t.kind), Type.BOOLEAN);
      }
      case "name" -> {
        if (Call.FUNCTIONS.containsKey(t.text) && peek().kind.equals("(")) {
          return call(t);
        }
        Type type = types.apply(t.text);
        if (type == null) {
          throw new ExprException(t.position, whyNot.apply(t.text));
        }
        return new Var(t.text, type);
      }
      case "(" -> {
        enter(t.position);
        Expr inner = or();
        depth--;
        expect(")", "a closing ')' for the '(' at position " + t.position);
        return inner;
      }
      case "end" -> throw new ExprException(t.position, "unexpected end of the expression");
      default -> throw new ExprException(t.position, "unexpected '" + t.text + "'");
    }
  }

  private Expr call(Token name) {
    next++; // the '('
    enter(name.position);
    List<Expr> args = new ArrayList<>();
    args.add(want(or(), Type.NUMBER, name.text, name.position));
    while (accept(",")) {
      args.add(want(or(), Type.NUMBER, name.text, name.position));
    }
    depth--;
    expect(")", "')' after the arguments of " + name.text);
    int arity = Call.FUNCTIONS.get(name.text);
    if (args.size() != arity) {
      throw new ExprException(
          name.position,
          name.text
              + " takes "
              + arity
              + " argument"
              + (arity == 1 ? "" : "s")
              + ", got "
              + args.size());
    }
    return new Call(name.text, List.copyOf(args));
  }

  // ---- helpers --------------------------------------------------------------------------------

  private Expr arithmetic(Token op, Expr left, Expr right) {
    want(left, Type.NUMBER, op.text, op.position);
    want(right, Type.NUMBER, op.text, op.position);
    return new Binary(op.text, left, right, Type.NUMBER);
  }

  private static Expr want(Expr e, Type type, String op, int position) {
    if (e.type() != type) {
      throw new ExprException(
          position, "'" + op + "' needs " + type.article() + ", got " + e.type().article());
    }
    return e;
  }

  private void enter(int position) {
    if (++depth > MAX_DEPTH) {
      throw new ExprException(
          position, "nested more than " + MAX_DEPTH + " levels deep; simplify the expression");
    }
  }

  private Token peek() {
    return tokens.get(next);
  }

  private Token previous() {
    return tokens.get(next - 1);
  }

  private boolean peekOp(String op) {
    Token t = peek();
    return t.kind.equals("op") && t.text.equals(op);
  }

  private boolean accept(String kind) {
    if (peek().kind.equals(kind)) {
      next++;
      return true;
    }
    return false;
  }

  private void expect(String kind, String what) {
    Token t = peek();
    if (!t.kind.equals(kind)) {
      throw new ExprException(
          t.position,
          "expected " + what + ", got " + (t.kind.equals("end") ? "the end" : "'" + t.text + "'"));
    }
    next++;
  }

  private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "true", "false");

  private static List<Token> tokenize(String s) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int at = i + 1;
      if (Character.isWhitespace(c)) {
        i++;
      } else if (Character.isDigit(c)
          || c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
        int j = i;
        while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
          j++;
        }
        if (j < s.length() && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
          int k = j + 1;
          if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
            k++;
          }
          if (k < s.length() && Character.isDigit(s.charAt(k))) {
            j = k;
            while (j < s.length() && Character.isDigit(s.charAt(j))) {
              j++;
            }
          }
        }
        String text = s.substring(i, j);
        if (text.indexOf('.') != text.lastIndexOf('.')) {
          throw new ExprException(at, "malformed number '" + text + "'");
        }
        out.add(new Token("number", text, at));
        i = j;
      } else if (Character.isLetter(c) || c == '_') {
        int j = i;
        while (j < s.length()
            && (Character.isLetterOrDigit(s.charAt(j))
                || s.charAt(j) == '_'
                || s.charAt(j) == '-')) {
          j++;
        }
        while (s.charAt(j - 1) == '-') {
          j--; // a trailing hyphen is a minus sign
        }
        String text = s.substring(i, j).replace('_', '-');
        out.add(new Token(KEYWORDS.contains(text) ? text : "name", text, at));
        i = j;
      } else if (c == '\'' || c == '"') {
        int end = s.indexOf(c, i + 1);
        if (end < 0) {
          throw new ExprException(at, "unterminated string: no closing " + c);
        }
        out.add(new Token("string", s.substring(i + 1, end), at));
        i = end + 1;
      } else if (c == '(' || c == ')' || c == ',') {
        out.add(new Token(String.valueOf(c), String.valueOf(c), at));
        i++;
      } else {
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        if (two.equals("<=") || two.equals(">=") || two.equals("==") || two.equals("!=")) {
          out.add(new Token("op", two, at));
          i += 2;
        } else if (two.equals("&&") || two.equals("||")) {
          out.add(new Token(two.equals("&&") ? "and" : "or", two, at));
          i += 2;
        } else if ("+-*/^<>".indexOf(c) >= 0) {
          out.add(new Token("op", String.valueOf(c), at));
          i++;
        } else if (c == '≤' || c == '≥' || c == '≠') {
          out.add(new Token("op", c == '≤' ? "<=" : c == '≥' ? ">=" : "!=", at));
          i++;
        } else if (c == '=') {
          throw new ExprException(at, "'=' is not an operator; compare with '=='");
        } else if (c == '!') {
          out.add(new Token("not", "!", at));
          i++;
        } else {
          throw new ExprException(at, "unexpected character '" + c + "'");
        }
      }
    }
    out.add(new Token("end", "", s.length() + 1));
    return out;
  }
}
