package lipfarm.bounds;

public record RunFacts(int n, int d, int k, int depth, long parameters, boolean biases, double inputRadius, double isoperimetryC, double delta, int peelingM, FitType fitType, double gamma, double epsilon, double tol, double activationLipschitz, double maxAbsWeight, double minOppositeLabelDistance) {}
