package lipfarm.http;

import java.util.List;
import lipfarm.config.RunConfig;

/**
 * A coarse upper estimate of the numbers one run holds at once, so that the service can refuse a
 * configuration that would exhaust its memory before it starts: the data and full-batch activations
 * (n · (d + hidden widths + outputs)), the weights with their optimizer state for every batched
 * restart, the teacher network, the mixture centres, and the square matrices the estimators build
 * over the hidden units. Computed in doubles, so it cannot overflow.
 */
final class RunSize {
  private RunSize() {}

  static double cells(RunConfig rc) {
    double n = rc.n();
    double d = Math.max(1, rc.d()); // 0 keeps a file's dimension: bounded by the file
    double out = rc.outputDim();
    List<Integer> widths = rc.hiddenLayerWidths();
    double hidden = 0;
    double weights = 0;
    double in = d;
    for (int w : widths) {
      hidden += w;
      weights += (in + 1) * w;
      in = w;
    }
    weights += (in + 1) * out;
    double teacher = "teacher".equals(rc.labels()) ? (d + 1 + n) * rc.teacherWidth() : 0;
    double centres = (double) rc.components() * d;
    return n * (d + hidden + out)
        + 3 * rc.restarts() * weights
        + hidden * hidden
        + teacher
        + centres;
  }
}
