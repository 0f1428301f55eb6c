package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Terminal text: Markdown and non-ASCII signs dropped, words wrapped with a hanging indent. */
class PlainTextTest {
  @Test
  void wrapsAtEightyColumnsWithAHangingIndentAndKeepsEveryWord() {
    String words = "alpha beta gamma delta epsilon ".repeat(8).strip();
    List<String> lines = PlainText.wrap(words, "- ", "  ");
    assertThat(lines).allMatch(l -> l.length() <= PlainText.COLUMNS);
    assertThat(lines.get(0)).startsWith("- alpha");
    assertThat(lines.subList(1, lines.size()))
        .allMatch(l -> l.startsWith("  ") && l.charAt(2) != ' ');
    // Greedy: the next line's first word would not have fitted on the line before.
    for (int i = 1; i < lines.size(); i++) {
      String next = lines.get(i).strip().split(" ")[0];
      assertThat(lines.get(i - 1).length() + 1 + next.length()).isGreaterThan(PlainText.COLUMNS);
    }
    assertThat(String.join(" ", lines.stream().map(l -> l.substring(2)).toList())).isEqualTo(words);
  }

  @Test
  void aWordLongerThanALineIsCut() {
    String word = "x".repeat(200);
    List<String> lines = PlainText.wrap("short " + word, "", "  ");
    assertThat(lines).allMatch(l -> l.length() <= PlainText.COLUMNS);
    assertThat(String.join("", lines).replace(" ", "")).isEqualTo("short" + word);
  }

  @Test
  void boldAndNonAsciiSignsBecomePlainAscii() {
    assertThat(PlainText.plain("the predicted −½ lies **outside**; +½ inside"))
        .isEqualTo("the predicted -1/2 lies outside; +1/2 inside");
  }
}
