package lipfarm.config;

import java.util.List;
import java.util.Map;

/**
 * A parsed grid expression ({@code where} constraints and {@code derive} formulas): numbers,
 * booleans and strings, parameter names, arithmetic, comparisons and {@code and}/{@code or}/{@code
 * not}. Every node is typed when it is parsed ({@link ExprParser}), so evaluation never meets a
 * type error; numbers are doubles throughout.
 */
sealed interface Expr {

  /** The three value types of the language. */
  enum Type {
    NUMBER,
    BOOLEAN,
    STRING;

    String article() {
      return this == Type.NUMBER ? "a number" : this == Type.BOOLEAN ? "a boolean" : "a string";
    }
  }

  Type type();

  /** Evaluates over one configuration: parameter key → Integer, Double, Boolean or String. */
  Object eval(Map<String, Object> point);

  record Literal(Object value, Type type) implements Expr {
    @Override
    public Object eval(Map<String, Object> point) {
      return value;
    }
  }

  /** A parameter of the configuration, by its farm-file key. */
  record Var(String key, Type type) implements Expr {
    @Override
    public Object eval(Map<String, Object> point) {
      Object v = point.get(key);
      return v instanceof Number num ? (Object) num.doubleValue() : v;
    }
  }

  record Unary(String op, Expr operand, Type type) implements Expr {
    @Override
    public Object eval(Map<String, Object> point) {
      Object v = operand.eval(point);
      return switch (op) {
        case "-" -> -(Double) v;
        case "not" -> !(Boolean) v;
        default -> v; // unary plus
      };
    }
  }

  record Binary(String op, Expr left, Expr right, Type type) implements Expr {
    @Override
    public Object eval(Map<String, Object> point) {
      // and/or short-circuit so a constraint can guard a later one.
      if (op.equals("and")) {
        return (Boolean) left.eval(point) && (Boolean) right.eval(point);
      }
      if (op.equals("or")) {
        return (Boolean) left.eval(point) || (Boolean) right.eval(point);
      }
      Object a = left.eval(point);
      Object b = right.eval(point);
      return switch (op) {
        case "==" -> equal(a, b);
        case "!=" -> !equal(a, b);
        case "+" -> (Double) a + (Double) b;
        case "-" -> (Double) a - (Double) b;
        case "*" -> (Double) a * (Double) b;
        case "/" -> (Double) a / (Double) b;
        case "^" -> Math.pow((Double) a, (Double) b);
        case "<" -> (Double) a < (Double) b;
        case "<=" -> (Double) a <= (Double) b;
        case ">" -> (Double) a > (Double) b;
        case ">=" -> (Double) a >= (Double) b;
        default -> throw new IllegalStateException("unknown operator " + op);
      };
    }

    private static boolean equal(Object a, Object b) {
      return a instanceof Double x && b instanceof Double y ? x.doubleValue() == y : a.equals(b);
    }
  }

  /** A built-in numeric function such as {@code sqrt(n)} or {@code max(k, 2 * n / d)}. */
  record Call(String function, List<Expr> args) implements Expr {
    /** Name → number of arguments. */
    static final Map<String, Integer> FUNCTIONS =
        Map.ofEntries(
            Map.entry("sqrt", 1),
            Map.entry("log", 1),
            Map.entry("log2", 1),
            Map.entry("log10", 1),
            Map.entry("exp", 1),
            Map.entry("abs", 1),
            Map.entry("floor", 1),
            Map.entry("ceil", 1),
            Map.entry("round", 1),
            Map.entry("min", 2),
            Map.entry("max", 2));

    @Override
    public Type type() {
      return Type.NUMBER;
    }

    @Override
    public Object eval(Map<String, Object> point) {
      double x = (Double) args.get(0).eval(point);
      return switch (function) {
        case "sqrt" -> Math.sqrt(x);
        case "log" -> Math.log(x);
        case "log2" -> Math.log(x) / Math.log(2);
        case "log10" -> Math.log10(x);
        case "exp" -> Math.exp(x);
        case "abs" -> Math.abs(x);
        case "floor" -> Math.floor(x);
        case "ceil" -> Math.ceil(x);
        case "round" -> roundHalfUp(x);
        case "min" -> Math.min(x, (Double) args.get(1).eval(point));
        case "max" -> Math.max(x, (Double) args.get(1).eval(point));
        default -> throw new IllegalStateException("unknown function " + function);
      };
    }
  }

  /** Round half up (2.5 → 3, −2.5 → −2): the rule for derived integer parameters. */
  static double roundHalfUp(double x) {
    return Math.floor(x + 0.5);
  }
}
