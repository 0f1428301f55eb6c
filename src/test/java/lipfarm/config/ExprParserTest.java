package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import lipfarm.config.Expr.Type;
import lipfarm.config.ExprParser.ExprException;
import org.junit.jupiter.api.Test;

/** The grid expression language: values, precedence, and every error form with its position. */
class ExprParserTest {

  private static final Map<String, Type> TYPES = new LinkedHashMap<>();

  static {
    TYPES.put("n", Type.NUMBER);
    TYPES.put("k", Type.NUMBER);
    TYPES.put("d", Type.NUMBER);
    TYPES.put("learning-rate", Type.NUMBER);
    TYPES.put("bias", Type.BOOLEAN);
    TYPES.put("activation", Type.STRING);
  }

  private static final Map<String, Object> POINT =
      Map.of("n", 400, "k", 40, "d", 20, "learning-rate", 0.01, "bias", true, "activation", "relu");

  private static Expr parse(String s) {
    return ExprParser.parse(s, TYPES, name -> "unknown parameter '" + name + "'");
  }

  private static Object eval(String s) {
    return parse(s).eval(POINT);
  }

  private static void fails(String s, int position, String message) {
    assertThatThrownBy(() -> parse(s))
        .isInstanceOf(ExprException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((ExprException) e).position).isEqualTo(position));
  }

  @Test
  void arithmeticFollowsUsualPrecedence() {
    assertThat(eval("2 + 3 * 4 ^ 2")).isEqualTo(50.0);
    assertThat(eval("(2 + 3) * 4")).isEqualTo(20.0);
    assertThat(eval("2 ^ 3 ^ 2")).isEqualTo(512.0); // right-associative
    assertThat(eval("-2 ^ 2")).isEqualTo(-4.0); // power binds tighter than minus
    assertThat(eval("2 ^ -1")).isEqualTo(0.5);
    assertThat(eval("7 / 2 - 1")).isEqualTo(2.5);
    assertThat(eval("10 - 4 - 3")).isEqualTo(3.0); // left-associative
    assertThat(eval("1.5e2 + .5")).isEqualTo(150.5);
    assertThat(eval("- - 3")).isEqualTo(3.0);
    assertThat(eval("+3")).isEqualTo(3.0);
  }

  @Test
  void parametersAndFunctions() {
    assertThat(eval("n / 10")).isEqualTo(40.0);
    assertThat(eval("k * d - 2 * n")).isEqualTo(0.0);
    assertThat(eval("learning-rate * 100")).isEqualTo(1.0);
    assertThat(eval("learning_rate * 100")).isEqualTo(1.0); // underscore spelling
    assertThat((Double) eval("sqrt(n) + log2(k / 5) + max(d, 3) + min(1, 2)"))
        .isCloseTo(20.0 + 3 + 20 + 1, within(1e-12));
    assertThat(eval("floor(2.7) + ceil(2.1) + round(2.5) + round(-2.5) + abs(-1)"))
        .isEqualTo(2.0 + 3 + 3 - 2 + 1);
    assertThat((Double) eval("log(exp(2)) + log10(1000)")).isCloseTo(5.0, within(1e-12));
  }

  @Test
  void comparisonsAndLogic() {
    assertThat(eval("k * d >= 2 * n")).isEqualTo(true);
    assertThat(eval("k * d > 2 * n")).isEqualTo(false);
    assertThat(eval("k ≥ 2 * n / d")).isEqualTo(true);
    assertThat(eval("k ≤ 39 or n ≠ 400")).isEqualTo(false);
    assertThat(eval("true or false and false")).isEqualTo(true); // and binds tighter
    assertThat(eval("not false and false")).isEqualTo(false); // not binds tighter than and
    assertThat(eval("!(n < 100) && k == 40 || false")).isEqualTo(true);
    assertThat(eval("activation == 'relu' and bias == true")).isEqualTo(true);
    assertThat(eval("activation != \"tanh\"")).isEqualTo(true);
    assertThat(eval("n - k == 360")).isEqualTo(true);
  }

  @Test
  void andShortCircuitsSoAConstraintCanGuardAnother() {
    // 1/0 is +Inf in doubles, never an exception; short-circuit keeps the order meaningful anyway.
    assertThat(eval("false and 1 / 0 > 0")).isEqualTo(false);
    assertThat(eval("true or 1 / 0 > 0")).isEqualTo(true);
  }

  @Test
  void syntaxErrorsNamePosition() {
    fails("k * (d >= 2", 12, "expected a closing ')' for the '(' at position 5");
    fails("k * ", 5, "unexpected end");
    fails("k * d)", 6, "unexpected ')'");
    fails("2n", 2, "expected an operator before 'n'");
    fails("n k", 3, "expected an operator before 'k'");
    fails("n = 3", 3, "compare with '=='");
    fails("activation == 'relu", 15, "unterminated string");
    fails("n # 3", 3, "unexpected character '#'");
    fails("1.2.3 > n", 1, "malformed number");
    fails("1e999 > n", 1, "out of range");
    fails("max(1)", 1, "max takes 2 arguments, got 1");
    fails("sqrt(1, 2)", 1, "sqrt takes 1 argument, got 2");
    fails("sqrt(4", 7, "')' after the arguments of sqrt");
    fails("", 1, "unexpected end");
    fails(",", 1, "unexpected ','");
  }

  @Test
  void unknownNamesAreRefused() {
    fails("n * width > 3", 5, "unknown parameter 'width'");
    fails("n-k > 3", 1, "unknown parameter 'n-k'"); // hyphens belong to names
    fails("sqrt > 3", 1, "unknown parameter 'sqrt'"); // a function needs '('
  }

  @Test
  void typeErrorsNameOperator() {
    fails("n and k", 3, "'and' needs a boolean, got a number");
    fails("bias or n", 6, "'or' needs a boolean, got a number");
    fails("not n", 1, "'not' needs a boolean, got a number");
    fails("bias + 1", 6, "'+' needs a number, got a boolean");
    fails("-activation", 1, "'-' needs a number, got a string");
    fails("activation < 3", 12, "'<' needs a number, got a string");
    fails("activation == 3", 12, "'==' compares a string with a number");
    fails("sqrt(bias)", 1, "'sqrt' needs a number, got a boolean");
    fails("1 < n < 3", 7, "comparisons do not chain");
    fails("2 ^ bias", 3, "'^' needs a number, got a boolean");
  }

  @Test
  void inputIsBoundedInLengthAndNesting() {
    fails("n" + " + n".repeat(200), ExprParser.MAX_LENGTH + 1, "longer than 500 characters");
    String deep = "(".repeat(ExprParser.MAX_DEPTH + 1) + "n" + ")".repeat(ExprParser.MAX_DEPTH + 1);
    fails(deep, ExprParser.MAX_DEPTH + 1, "nested more than 32 levels");
    String ok = "(".repeat(ExprParser.MAX_DEPTH) + "n" + ")".repeat(ExprParser.MAX_DEPTH);
    assertThat(eval(ok)).isEqualTo(400.0);
    fails("-".repeat(40) + "n", ExprParser.MAX_DEPTH + 1, "nested more than");
    fails("not ".repeat(40) + "bias", 4 * ExprParser.MAX_DEPTH + 1, "nested more than");
    fails("2" + " ^ 2".repeat(40), 4 * (ExprParser.MAX_DEPTH + 1) - 1, "nested more than");
    // Unbalanced openers far beyond the limit: refused at the limit, no stack overflow.
    fails("(".repeat(499), ExprParser.MAX_DEPTH + 1, "nested more than");
  }

  private static org.assertj.core.data.Offset<Double> within(double tol) {
    return org.assertj.core.data.Offset.offset(tol);
  }
}
