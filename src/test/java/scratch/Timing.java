package scratch;
import lipfarm.data.*;
import lipfarm.training.*;
public class Timing {
  public static void main(String[] args) {
    double tol = Double.parseDouble(args[0]); double lr = Double.parseDouble(args[1]);
    for (int n : new int[]{100,200,400}) for (int k : new int[]{5,10,20,40}) {
      Dataset data = DataModels.sphereRandomLabels(n, 20, 1);
      long t0 = System.nanoTime();
      TwoLayerTrainer t = new TwoLayerTrainer(data, k, true, lr, 2);
      EpochStats s = null; int maxE = 4000;
      for (int i = 0; i < maxE; i++) { s = t.step(tol); if (s.maxError() <= tol) break; }
      double ms = (System.nanoTime()-t0)/1e6;
      System.out.printf("n=%d k=%d epochs=%d loss=%.4g maxErr=%.3g sign=%.3f  %.0f ms (%.3f ms/epoch)%n", n,k,s.epoch(),s.loss(),s.maxError(),s.signFit(),ms, ms/Math.max(1,s.epoch()));
    }
  }
}
