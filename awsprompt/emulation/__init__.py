"""Local emulations of AWS services for the tests, the demo and the benchmarks."""
