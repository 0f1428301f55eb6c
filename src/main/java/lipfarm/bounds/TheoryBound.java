package lipfarm.bounds;

public record TheoryBound(String id, String name, Status status, String kind, String assumptions, boolean applicable, double value, String notApplicableReason) {}
