package lipfarm.bounds;

public enum FitType { EXACT, MARGIN, MSE }
